/** Token scopes of service tokens. */
export const SCOPES = { PUBLISH: "sync:publish", READ: "sync:read" } as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];
