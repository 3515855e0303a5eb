import type { EventType, NerveEvent } from "../../protocol/index.js";
import type { HubError } from "../../common/hub-rpc.js";
import type { DreamConfig } from "./config.js";

export interface DreamCommit {
  type: EventType;
  data: unknown;
  from: string;
}
export type DreamReduce = (c: DreamCommit, current: unknown, seq: number, ts: number) => unknown;
type CommitResult = { ok: true; events: NerveEvent[] } | { ok: false; error: HubError["error"] };

/** What the cycle runner needs from its host (the UserHub); passed in so it runs without the runtime. */
export interface DreamDeps {
  sql: SqlStorage;
  config: DreamConfig;
  /** The current value of a state key. */
  readState(key: string): unknown;
  lastSeq(): number;
  /** Appends events in one transaction, computing state with `reduce`, and broadcasts them (not to `exclude`). */
  commit(commits: DreamCommit[], reduce: DreamReduce, exclude?: WebSocket): Promise<CommitResult>;
  schedule(id: string, due: number, onlyIfEarlier: boolean): Promise<void>;
  cancelJob(id: string): Promise<void>;
  fetch: typeof fetch;
  /** The user this hub belongs to, when known. */
  userId(): string | null;
}

export type { DreamRequest, DreamResultRequest } from "../../common/hub-rpc.js";

export type DreamAnswer<T> = T | HubError;
