import type { Env } from "../common/env.js";
import type { HubRpc } from "../common/hub-rpc.js";

/**
 * The UserHub of a user: `idFromName(userId)`, so every request for a user meets the same object.
 * Typed by the declared `HubRpc` (the stub's mapped types lose `unknown` JSON values).
 */
export const hubOf = (env: Env, userId: string): HubRpc => env.USER_HUB.get(env.USER_HUB.idFromName(userId)) as unknown as HubRpc;

/** The hub's stub for a WebSocket upgrade, which goes through `fetch`. */
export const hubStub = (env: Env, userId: string): DurableObjectStub => env.USER_HUB.get(env.USER_HUB.idFromName(userId));
