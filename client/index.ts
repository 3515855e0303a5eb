/**
 * Nerve client SDK (`nerve/client`). Browsers, React Native and Node 22; imports only protocol/.
 *
 *   const client = createNerveClient({ url: "wss://host/ws", getToken: async () => token });
 *
 * Options (see DEFAULTS and docs/client.md): url, getToken (called before every connect),
 * deviceId, platform, name, topics, storage (async key-value; localStorage in browsers, memory
 * elsewhere, AsyncStorage works), storagePrefix, WebSocket (injectable constructor),
 * tokenTransport ("query" | "subprotocol"), backoff {minDelayMs, maxDelayMs, factor, jitter},
 * maxRetries, connectTimeoutMs, heartbeatMs, pongTimeoutMs, ackIntervalMs, maxOutbox,
 * messagesPerMinute, autoConnect, retryOnOnline, logger.
 *
 * Reading:
 *   client.phase        "idle" | "connecting" | "catching-up" | "synced" | "reconnecting" | "offline" | "refused" | "closed"
 *   client.status       "connecting" | "connected" | "reconnecting" | "offline" | "closed" (derived from phase)
 *   client.state        the mirrored state: limbic, convergence, posture, credits, dreams, "shoots.<id>"
 *   client.versions     key -> seq of its current version (use as baseVersion)
 *   client.devices      DeviceInfo[]
 *   client.latencyMs    rolling RTT of the text ping (null before the first pong)
 *   client.quality      0-100 from latency and recent reconnects
 *   client.seq          highest seq processed (persisted, sent as `since`)
 *   client.getSnapshot() / client.subscribe(listener)   one immutable NerveSnapshot of all the above
 *                       (plus synced, userId, deviceId, pending, lastClose): useSyncExternalStore-ready
 *
 * Events: client.on(type, handler) returns an unsubscribe function.
 *   durable events, typed by type: "SHOOT_PROGRESS", "CREDIT_UPDATE", "PROMPT_CHANGE", "LIMBIC_UPDATE",
 *     "CONVERGENCE_UPDATE", "POSTURE_CHANGE", "DREAM_*"  -> {type, seq, ts, data, from}; "event" gets all.
 *     Each arrives exactly once, in seq order; missed state-bearing events come back coalesced
 *     in the state mirror (a "state" event), as the contract says.
 *   client events: "phase" {from, to, reason, close?}, "status", "welcome", "synced", "state" {keys, reset}, "devices", "DEVICE_CONNECTED",
 *     "DEVICE_DISCONNECTED", "error" (ERROR frames answering no send), "close" {code, reason, willRetry},
 *     "outbox" (answers to messages restored from storage),
 *     "conflict" {key, fields, mine, theirs, theirsVersion, theirsFrom?, theirsAt?, id, resolve}.
 *
 * Writing:
 *   await client.send("LIMBIC_UPDATE", { trust: 0.8 }, { baseVersion? , id? })
 *     -> resolves {id, seq?, duplicate} on ACCEPTED, rejects NerveClientError {code (NerveErrorCode), message,
 *        issues?, current?, currentVersion?, retryable?, cause} on ERROR. Queued (persisted, bounded) while disconnected.
 *
 * Control: client.whenSynced(), client.connect() (autoConnect: false), client.wake() (app/network back:
 *   reconnect now or ping now), client.reconnect(), client.close().
 * React: `nerve/client/react` (NerveProvider, useNerveClient, useNerveStatus, useNerveSnapshot,
 *   useNerveState(key), useDevices, useShootProgress(shootId), useDreams, useNerveEvent).
 */
import { NerveClient } from "./nerve-client.js";
import type { NerveClientOptions } from "./options.js";

export { NerveClient } from "./nerve-client.js";
export { DEFAULTS, type NerveClientOptions, type WebSocketFactory, type WebSocketLike } from "./options.js";
export { backoffDelay, type BackoffOptions } from "./backoff.js";
export { closePolicy, ReconnectingSocket, type ClosePolicy, type ReconnectingSocketOptions, type SocketStatus } from "./reconnecting-socket.js";
export { computeQuality } from "./link-quality.js";
export { memoryStorage, webStorage, defaultStorage, type NerveStorage } from "./storage.js";
export { PHASE_TRANSITIONS, statusOf, type NervePhase, type PhaseChange, type PhaseReason } from "./phase.js";
export {
  ClientErrorCode, NerveClientError,
  type ClientEventMap, type NerveClientErrorDetails, type NerveErrorCode, type ConflictEvent, type CreditState, type EventDataMap, type NerveEventMap, type NerveSnapshot,
  type NerveState, type NerveStatus, type SendDataMap, type SendOptions, type SendResult, type SendType, type ShootState,
  type TypedEvent,
} from "./types.js";
export {
  CloseCode, ErrorCode,
  type DeviceInfo, type DreamsState, type EventType, type Limbic, type Convergence, type Platform, type PostureState, type Topic,
} from "../protocol/index.js";

/**
 * Creates a client and (unless `autoConnect: false`) starts connecting.
 * @example
 * const client = createNerveClient({ url: "wss://nerve.example.com/ws", getToken: () => fetchToken() });
 * client.on("SHOOT_PROGRESS", (e) => render(e.data));
 * client.subscribe(() => console.log(client.status, client.state.credits));
 */
export function createNerveClient(options: NerveClientOptions): NerveClient {
  return new NerveClient(options);
}
