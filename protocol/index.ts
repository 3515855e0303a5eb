/**
 * The Nerve wire contract as code. Pure: imports nothing but zod/mini.
 * Worker, Durable Object, client SDK and web app all import it.
 */
import "./locale.js";
export * from "./codes.js";
export * from "./ids.js";
export * from "./events.js";
export * from "./client-messages.js";
export * from "./connect-query.js";
export * from "./server-frames.js";
export * from "./http.js";
export * from "./issues.js";
export * from "./tokens.js";
export * from "./dreams.js";
export * from "./state-reducers.js";
export * from "./sealed.js";

/** The protocol version: the contract's major version. */
export const PROTOCOL_VERSION = 1;
/** The subprotocol the server answers with when the token comes in the subprotocol list. */
export const SUBPROTOCOL = "nerve.v1";
export const BEARER_PREFIX = "bearer.";
