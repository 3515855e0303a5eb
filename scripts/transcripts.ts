/**
 * Catch-up transcripts (docs/vectors/catch-up/*.json): a user's log, a connection's query (`since`,
 * `epoch`, `batch`, `topics`) and the exact frames the server sends it up to SYNCED. Which keys,
 * removals and replayed events each frame holds is written out here, per transcript, from the rules
 * of docs/protocol.md 4-5; the values come from the log through the server's reducer. The files are
 * checked in; test/unit/transcripts.test.ts fails when they drift from this, and
 * test/worker/catch-up-transcripts.test.ts replays each against the real hub. `npm run contracts` rewrites them.
 */
import { CRITICAL_KEYS, EVENT_DATA, EVENT_TOPIC, reduceState, stateKeyOf, type EventType, type Topic } from "../protocol/index.js";
import { DEFAULTS } from "../common/config.js";
import { replay, type VectorEvent } from "./vectors.js";

type Json = { [key: string]: unknown };

export interface Transcript {
  name: string;
  description: string;
  userId: string;
  deviceId: string;
  /** The epoch of the log. */
  epoch: string;
  /** The server's clock at the connection: WELCOME.serverTime and an online device's lastSeen and lastHeard. */
  connectedAt: number;
  log: VectorEvent[];
  /** The query of `GET /ws` (besides the token), as sent. */
  query: Record<string, string>;
  frames: Json[];
}

const T0 = 1_800_000_000_000;
const USER = "alice";
const DEVICE = "phone";
const EPOCH = "transcript-epoch-1";
const CONNECTED_AT = T0 + 60_000;
const FROM = "kull-processor";

type Input = [type: EventType, data: Json];

/** One log for every transcript: state events of every kind, two messages, a removal after a write. */
const INPUTS: Input[] = [
  ["CREDIT_UPDATE", { newBalance: 100, change: 100, reason: "purchase" }],
  ["SHOOT_PROGRESS", { shootId: "s1", status: "queued", processedCount: 0, totalCount: 800 }],
  ["PROMPT_CHANGE", { promptId: "p1", action: "created", title: "Golden hour" }],
  ["LIMBIC_UPDATE", { trust: 0.9 }],
  ["SHOOT_PROGRESS", { shootId: "s1", status: "processing", processedCount: 400, totalCount: 800, provider: "kull-v2" }],
  ["PROMPT_CHANGE", { promptId: "p1", action: "deleted" }],
  ["SHOOT_PROGRESS", { shootId: "s2", status: "processing", processedCount: 1, totalCount: 2 }],
  ["STATE_REMOVED", { keys: ["shoots.s2"], reason: "deleted" }],
  ["POSTURE_CHANGE", { posture: "copilot", reason: "focused work", confidence: 0.9 }],
];

function logOf(inputs: Input[]): VectorEvent[] {
  return inputs.map(([type, data], i) => {
    const r = EVENT_DATA[type].safeParse(data);
    if (!r.success) throw new Error(`transcript log seq ${i + 1}: invalid ${type} data: ${r.error.message}`);
    return { type, seq: i + 1, ts: T0 + (i + 1) * 1000, from: FROM, data };
  });
}

const LOG = logOf(INPUTS);
const LAST = LOG.length;
const FINAL = replay(LOG, reduceState).at(-1)!;

const byKey = (a: string, b: string) => {
  const ia = (CRITICAL_KEYS as readonly string[]).indexOf(a);
  const ib = (CRITICAL_KEYS as readonly string[]).indexOf(b);
  if (ia !== ib) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
  return a < b ? -1 : a > b ? 1 : 0;
};

/** `keys`: the state keys the STATE frame must hold, in the order it holds them (critical first, then by name). */
function stateFrame(keys: string[], opts: { reset: boolean; removed?: string[]; presence: boolean }): Json {
  const sorted = [...keys].sort(byKey);
  if (sorted.join() !== keys.join()) throw new Error(`STATE keys out of order: ${keys.join()} (expected ${sorted.join()})`);
  return {
    type: "STATE",
    seq: LAST,
    state: Object.fromEntries(keys.map((k) => [k, FINAL.state[k]])),
    versions: Object.fromEntries(keys.map((k) => [k, FINAL.versions[k]])),
    reset: opts.reset,
    ...(opts.removed?.length ? { removed: opts.removed } : {}),
    ...(opts.presence ? { devices: [{ deviceId: DEVICE, platform: "web", online: true, connections: 1, lastSeen: CONNECTED_AT, ackedSeq: 0, lastHeard: CONNECTED_AT }] } : {}),
  };
}

const welcome = (resumed: boolean): Json => ({
  type: "WELCOME", userId: USER, deviceId: DEVICE, seq: LAST, serverTime: CONNECTED_AT, heartbeatMs: DEFAULTS.heartbeatMs, resumed, epoch: EPOCH,
  reconnectSpreadMs: DEFAULTS.reconnectSpreadMs,
});
const synced = { type: "SYNCED", seq: LAST };
const event = (seq: number): Json => {
  const e = LOG[seq - 1]!;
  return { type: e.type, seq: e.seq, ts: e.ts, data: e.data, from: e.from };
};
/** Every key of the final state, in STATE order; with `topics`, only theirs. */
const allKeys = (topics?: Topic[]) => Object.keys(FINAL.state).filter((k) => !topics || topics.includes(topicOfKey(k))).sort(byKey);
function topicOfKey(key: string): Topic {
  const e = LOG.find((ev) => stateKeyOf(ev.type, ev.data) === key)!;
  return EVENT_TOPIC[e.type];
}

const TRANSCRIPTS: Omit<Transcript, "userId" | "deviceId" | "epoch" | "connectedAt" | "log">[] = [
  {
    name: "first-connect",
    description: "A new device (no since): the whole state with reset: true (critical keys first, then by name), the device list, no replayed messages.",
    query: { device: DEVICE },
    frames: [welcome(false), stateFrame(allKeys(), { reset: true, presence: true }), synced],
  },
  {
    name: "resume",
    description: "since=2 with the log's epoch: the keys written after seq 2 (their latest value, once), the keys removed after it, then each missed message (PROMPT_CHANGE) in its own frame, in seq order; the credits key (seq 1) is not resent.",
    query: { device: DEVICE, since: "2", epoch: EPOCH },
    frames: [
      welcome(true),
      stateFrame(["limbic", "posture", "shoots.s1"], { reset: false, removed: ["shoots.s2"], presence: true }),
      event(3), event(6), synced,
    ],
  },
  {
    name: "resume-batch",
    description: "The resume above with batch=1: the missed messages come in one EVENTS frame, each event exactly as its own frame would be.",
    query: { device: DEVICE, since: "2", epoch: EPOCH, batch: "1" },
    frames: [
      welcome(true),
      stateFrame(["limbic", "posture", "shoots.s1"], { reset: false, removed: ["shoots.s2"], presence: true }),
      { type: "EVENTS", events: [event(3), event(6)] },
      synced,
    ],
  },
  {
    name: "resume-topics",
    description: "since=2 with topics=shoots,prompts: only those topics' keys, removals and messages; no device list (that is presence).",
    query: { device: DEVICE, since: "2", epoch: EPOCH, topics: "shoots,prompts" },
    frames: [welcome(true), stateFrame(["shoots.s1"], { reset: false, removed: ["shoots.s2"], presence: false }), event(3), event(6), synced],
  },
  {
    name: "up-to-date",
    description: "since = the latest seq: an empty STATE (reset: false) and SYNCED.",
    query: { device: DEVICE, since: String(LAST), epoch: EPOCH },
    frames: [welcome(true), stateFrame([], { reset: false, presence: true }), synced],
  },
  {
    name: "other-epoch",
    description: "since=2 from another epoch (the user was erased since, or another server): not resumed; the whole state with reset: true and no messages.",
    query: { device: DEVICE, since: "2", epoch: "an-older-epoch" },
    frames: [welcome(false), stateFrame(allKeys(), { reset: true, presence: true }), synced],
  },
  {
    name: "since-ahead",
    description: "A since beyond the latest seq, without epoch (a v1 client's cursor from elsewhere): a reset, with batch=1 as without.",
    query: { device: DEVICE, since: "99", batch: "1" },
    frames: [welcome(false), stateFrame(allKeys(), { reset: true, presence: true }), synced],
  },
  {
    name: "first-connect-topics",
    description: "A new device asking for topics=state,credits: the whole state of those topics, no device list.",
    query: { device: DEVICE, topics: "state,credits" },
    frames: [welcome(false), stateFrame(allKeys(["state", "credits"]), { reset: true, presence: false }), synced],
  },
];

export function transcripts(): Transcript[] {
  return TRANSCRIPTS.map((t) => ({
    name: t.name, description: t.description, userId: USER, deviceId: DEVICE, epoch: EPOCH, connectedAt: CONNECTED_AT,
    log: LOG, query: t.query, frames: t.frames,
  }));
}

/** The text of each file under docs/vectors/catch-up/. */
export function transcriptFiles(): Record<string, string> {
  return Object.fromEntries(transcripts().map((t) => [`${t.name}.json`, `${JSON.stringify(t, null, 2)}\n`]));
}
