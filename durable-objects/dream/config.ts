/** The dream cycle's settings, read from the environment. Pure. */
export interface DreamConfig {
  /** The external processor's URL; unset: the built-in report only. */
  processorUrl: string | null;
  /** The HMAC-SHA256 key the processor request is signed with. */
  processorSecret: string | null;
  /** How long to wait for the processor's answer before finishing with the built-in report. */
  processorTimeoutMs: number;
  /** The pause between two steps of a cycle (each step is one alarm). */
  stepDelayMs: number;
  /** Log rows per consolidate chunk (one chunk per alarm). */
  chunkSize: number;
  /** Tries of one step before the cycle fails with DREAM_FAILED. */
  maxTries: number;
}

export const DREAM_DEFAULTS = { processorTimeoutMs: 120_000, stepDelayMs: 0, chunkSize: 2000, maxTries: 4 } as const;

function nonNegative(raw: unknown, fallback: number, name: string): number {
  if (typeof raw !== "string" || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`invalid ${name} "${raw}": expected a non-negative integer`);
  return n;
}

/**
 * @example readDreamConfig({ DREAM_PROCESSOR_URL: "https://p.example/dream", JWT_SECRET: "s" }).processorSecret // "s"
 */
export function readDreamConfig(env: Record<string, unknown>): DreamConfig {
  const str = (k: string) => (typeof env[k] === "string" && (env[k] as string).trim() !== "" ? (env[k] as string) : null);
  const url = str("DREAM_PROCESSOR_URL");
  if (url !== null && !/^https?:\/\//.test(url)) throw new Error(`invalid DREAM_PROCESSOR_URL "${url}": expected an http(s) URL`);
  return {
    processorUrl: url,
    processorSecret: str("DREAM_PROCESSOR_SECRET") ?? str("JWT_SECRET"),
    processorTimeoutMs: nonNegative(env.DREAM_PROCESSOR_TIMEOUT_MS, DREAM_DEFAULTS.processorTimeoutMs, "DREAM_PROCESSOR_TIMEOUT_MS"),
    stepDelayMs: nonNegative(env.DREAM_STEP_DELAY_MS, DREAM_DEFAULTS.stepDelayMs, "DREAM_STEP_DELAY_MS"),
    chunkSize: Math.max(1, nonNegative(env.DREAM_CHUNK_SIZE, DREAM_DEFAULTS.chunkSize, "DREAM_CHUNK_SIZE")),
    maxTries: DREAM_DEFAULTS.maxTries,
  };
}
