/** Parsed configuration with the contract's defaults. Pure: takes the env as a plain record. */
export interface Config {
  rateLimitPerMinute: number;
  serviceRateLimitPerMinute: number;
  maxFrameBytes: number;
  maxBodyBytes: number;
  maxConnectionsPerUser: number;
  eventRetentionDays: number;
  eventRetentionCount: number;
  heartbeatMs: number;
  allowedOrigins: string[];
  /** Refused messages per connection per minute before the server closes it with 4008. */
  abuseRejectionsPerMinute: number;
  /** No server frame is larger: a batched catch-up splits its EVENTS frames at this bound. */
  maxServerFrameBytes: number;
  /** The body bound of `POST /api/sync/batch` (up to 1,000 events), in place of MAX_BODY_BYTES. */
  maxBatchBodyBytes: number;
}

export const DEFAULTS: Config = {
  rateLimitPerMinute: 100,
  serviceRateLimitPerMinute: 600,
  maxFrameBytes: 65536,
  maxBodyBytes: 262144,
  maxConnectionsPerUser: 20,
  eventRetentionDays: 7,
  eventRetentionCount: 10000,
  heartbeatMs: 30000,
  allowedOrigins: [],
  abuseRejectionsPerMinute: 20,
  maxServerFrameBytes: 1048576,
  maxBatchBodyBytes: 1048576,
};

function positive(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`invalid configuration value "${raw}": expected a positive number`);
  return n;
}

/**
 * Reads the configuration from env vars; throws on a malformed value so a bad deploy fails loudly.
 * @example readConfig({ RATE_LIMIT_PER_MINUTE: "50" }).rateLimitPerMinute // 50
 */
export function readConfig(env: Record<string, unknown>): Config {
  const s = (k: string) => (typeof env[k] === "string" ? (env[k] as string) : undefined);
  return {
    rateLimitPerMinute: positive(s("RATE_LIMIT_PER_MINUTE"), DEFAULTS.rateLimitPerMinute),
    serviceRateLimitPerMinute: positive(s("SERVICE_RATE_LIMIT_PER_MINUTE"), DEFAULTS.serviceRateLimitPerMinute),
    maxFrameBytes: positive(s("MAX_FRAME_BYTES"), DEFAULTS.maxFrameBytes),
    maxBodyBytes: positive(s("MAX_BODY_BYTES"), DEFAULTS.maxBodyBytes),
    maxConnectionsPerUser: positive(s("MAX_CONNECTIONS_PER_USER"), DEFAULTS.maxConnectionsPerUser),
    eventRetentionDays: positive(s("EVENT_RETENTION_DAYS"), DEFAULTS.eventRetentionDays),
    eventRetentionCount: positive(s("EVENT_RETENTION_COUNT"), DEFAULTS.eventRetentionCount),
    heartbeatMs: positive(s("HEARTBEAT_MS"), DEFAULTS.heartbeatMs),
    allowedOrigins: (s("ALLOWED_ORIGINS") ?? "").split(",").map((o) => o.trim().replace(/\/$/, "")).filter(Boolean),
    abuseRejectionsPerMinute: positive(s("ABUSE_REJECTIONS_PER_MINUTE"), DEFAULTS.abuseRejectionsPerMinute),
    maxServerFrameBytes: positive(s("MAX_SERVER_FRAME_BYTES"), DEFAULTS.maxServerFrameBytes),
    maxBatchBodyBytes: positive(s("MAX_BATCH_BODY_BYTES"), DEFAULTS.maxBatchBodyBytes),
  };
}
