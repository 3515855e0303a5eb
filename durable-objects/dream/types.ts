import type { EventType, NerveEvent } from "../../protocol/index.js";
import type { WriteOptions } from "../hub/writer.js";
import type { HubError } from "../../common/hub-rpc.js";
import type { DreamConfig } from "./config.js";

export interface DreamCommit {
  type: EventType;
  data: unknown;
  from: string;
}
type CommitResult = { ok: true; events: NerveEvent[] } | { ok: false; error: HubError["error"] };

/** What the cycle runner needs from its host (the UserHub); passed in so it runs without the runtime. */
export interface DreamDeps {
  sql: SqlStorage;
  config: DreamConfig;
  /** The current value of a state key. */
  readState(key: string): unknown;
  lastSeq(): number;
  /** The hub's write path (`Writer.write`): one transaction, then the broadcast. */
  commit(commits: DreamCommit[], options: WriteOptions): Promise<CommitResult>;
  schedule(id: string, due: number, onlyIfEarlier: boolean): Promise<void>;
  cancelJob(id: string): Promise<void>;
  fetch: typeof fetch;
  /** The user this hub belongs to, when known. */
  userId(): string | null;
}

export type { DreamRequest, DreamResultRequest } from "../../common/hub-rpc.js";

export type DreamAnswer<T> = T | HubError;
