import { log } from "../../common/log.js";

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

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * What is wrong with the processor settings, or null. The processor must be reached over https
 * (plain http only on loopback, for local work), and must have a secret of its own: a processor
 * that held JWT_SECRET could mint every user and service token.
 * @example processorProblem("https://p.example/dream", "s1", "s2") // null
 */
export function processorProblem(url: string, secret: string | null, jwtSecret: string | null): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `invalid DREAM_PROCESSOR_URL "${url}": expected an https URL`;
  }
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && LOOPBACK_HOST.test(parsed.hostname))) {
    return `invalid DREAM_PROCESSOR_URL "${url}": expected https (plain http only on a loopback host)`;
  }
  if (secret === null) return "DREAM_PROCESSOR_URL is set but DREAM_PROCESSOR_SECRET is not: give the processor a secret of its own";
  if (secret === jwtSecret) return "DREAM_PROCESSOR_SECRET must differ from JWT_SECRET: the processor must not hold the token signing key";
  return null;
}

/** Thrown where a misconfigured processor is first needed (a dream cycle's step). */
export class DreamConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DreamConfigError";
  }
}

/**
 * Reads the dream settings. A malformed number throws at once, as every config error does. A
 * misconfigured processor (see `processorProblem`) is logged here and thrown only where the
 * processor is used: this runs in the hub's constructor, and a wrong processor setting must not
 * take down publishing, sockets and reads; the dream cycle that needs it ends with DREAM_FAILED
 * naming the problem.
 * @example readDreamConfig({ DREAM_PROCESSOR_URL: "https://p.example/dream", DREAM_PROCESSOR_SECRET: "p", JWT_SECRET: "s" }).processorSecret // "p"
 */
export function readDreamConfig(env: Record<string, unknown>): DreamConfig {
  const str = (k: string) => (typeof env[k] === "string" && (env[k] as string).trim() !== "" ? (env[k] as string) : null);
  const url = str("DREAM_PROCESSOR_URL");
  const secret = str("DREAM_PROCESSOR_SECRET");
  const problem = url === null ? null : processorProblem(url, secret, str("JWT_SECRET"));
  const config: DreamConfig = {
    processorUrl: url,
    processorSecret: url === null ? null : secret,
    processorTimeoutMs: nonNegative(env.DREAM_PROCESSOR_TIMEOUT_MS, DREAM_DEFAULTS.processorTimeoutMs, "DREAM_PROCESSOR_TIMEOUT_MS"),
    stepDelayMs: nonNegative(env.DREAM_STEP_DELAY_MS, DREAM_DEFAULTS.stepDelayMs, "DREAM_STEP_DELAY_MS"),
    chunkSize: Math.max(1, nonNegative(env.DREAM_CHUNK_SIZE, DREAM_DEFAULTS.chunkSize, "DREAM_CHUNK_SIZE")),
    maxTries: DREAM_DEFAULTS.maxTries,
  };
  if (problem === null) return config;
  log("error", "dream processor misconfigured", { problem });
  const fail = (): never => {
    throw new DreamConfigError(`dream processor misconfigured: ${problem}`);
  };
  return Object.defineProperties(config, { processorUrl: { get: fail }, processorSecret: { get: fail } });
}
