export declare const QUIET_ENV: Readonly<Record<string, string>>;
