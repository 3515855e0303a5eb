/** Creates `.dev.vars` with a random JWT_SECRET the first time; returns its variables. */
export declare function ensureDevVars(path?: string): Record<string, string>;
/** The variables of `.dev.vars` (none when it does not exist). */
export declare function readDevVars(path?: string): Record<string, string>;
