/** The Worker's bindings and variables. Every variable is a string; `readConfig` parses them. */
export interface Env {
  /** The UserHub namespace; reach a hub through `hubOf` (src/hub.ts), typed by `HubRpc`. */
  USER_HUB: DurableObjectNamespace;
  ASSETS?: Fetcher;
  /** `POST /api/sync/broadcast`: the queue its batches go onto (wrangler.toml [[queues.producers]]). */
  BROADCAST_QUEUE?: Queue;
  /** One BroadcastLedger per broadcast id: its progress (src/broadcast/ledger.ts). */
  BROADCAST_LEDGER?: DurableObjectNamespace;
  /** Workers Analytics Engine (dataset nerve_metrics); optional: without it no points are written. */
  ANALYTICS?: AnalyticsEngineDataset;
  JWT_SECRET?: string;
  JWT_JWKS_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  SERVICE_AUDIENCE?: string;
  MAX_TOKEN_TTL_SECONDS?: string;
  ALLOWED_ORIGINS?: string;
  RATE_LIMIT_PER_MINUTE?: string;
  SERVICE_RATE_LIMIT_PER_MINUTE?: string;
  MAX_FRAME_BYTES?: string;
  MAX_BODY_BYTES?: string;
  MAX_CONNECTIONS_PER_USER?: string;
  EVENT_RETENTION_DAYS?: string;
  EVENT_RETENTION_COUNT?: string;
  HEARTBEAT_MS?: string;
  DREAM_PROCESSOR_URL?: string;
  DREAM_PROCESSOR_SECRET?: string;
  DREAM_PROCESSOR_TIMEOUT_MS?: string;
  DREAM_STEP_DELAY_MS?: string;
  DREAM_CHUNK_SIZE?: string;
  ABUSE_REJECTIONS_PER_MINUTE?: string;
  SHOOT_RETENTION_HOURS?: string;
  MAX_SHOOTS?: string;
  MAX_ANSWERS?: string;
  MAX_STATE_BYTES?: string;
  MAX_SERVER_FRAME_BYTES?: string;
  MAX_UNACKED_BYTES?: string;
  MAX_BATCH_BODY_BYTES?: string;
  RECONNECT_SPREAD_MS?: string;
  DEV_SIGN_IN?: string;
}
