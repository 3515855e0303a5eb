/**
 * Sealed values as a device reads them: opened once per version (verification is not free), and
 * handed to `onSealed` listeners once per version and outcome, however often a resync goes over them.
 */
import { SealedErrorCode } from "../../protocol/index.js";
import type { VerifiedDirectory } from "./directory.js";
import { openValue, type OpenedValue } from "./envelopes.js";
import type { EpochKeys } from "./primitives.js";
import { SealedError } from "./sealed-error.js";

/** A sealed value as `get` returns it and `onSealed` hands it over. */
export interface SealedValue extends OpenedValue {
  name: string;
  /** The hub's version of the key (use as baseVersion). */
  version: number;
}

/** What `onSealed` gets: a verified value, or the coded refusal of one that failed verification. */
export type SealedChange = { name: string; version: number; value: SealedValue; error?: undefined } | { name: string; version: number; value?: undefined; error: SealedError };

/** The verified directory and keys to open values with; null while the device has none (the reason says why). */
export type Opener = { dir: VerifiedDirectory; keys: ReadonlyMap<number, EpochKeys> } | { dir: null; reason: string };

export class SealedValues {
  private readonly opened = new Map<string, { version: number; result: SealedValue | SealedError }>();
  /** What listeners last got per name: version and outcome. */
  private readonly emitted = new Map<string, string>();
  private readonly handlers = new Set<(change: SealedChange) => void>();

  on(handler: (change: SealedChange) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Forgets every opened value (another user or device, or new keys). */
  clear(): void {
    this.opened.clear();
    this.emitted.clear();
  }

  /** Opens `sealed.<name>` at `version`: the verified value, or the SealedError that refuses it. */
  async open(name: string, raw: unknown, version: number, opener: Opener): Promise<SealedValue | SealedError> {
    const cached = this.opened.get(name);
    // A value this device had no key for may open once a grant arrives: only that outcome is retried.
    if (cached && cached.version === version && !(cached.result instanceof SealedError && cached.result.code === SealedErrorCode.SEALED_LOCKED)) return cached.result;
    let result: SealedValue | SealedError;
    if (opener.dir === null) {
      result = new SealedError(SealedErrorCode.SEALED_LOCKED, opener.reason);
    } else {
      try {
        result = { name, version, ...(await openValue(name, raw, opener.dir, opener.keys)) };
      } catch (err) {
        if (!(err instanceof SealedError)) throw err;
        result = err;
      }
    }
    this.opened.set(name, { version, result });
    return result;
  }

  /** Opens the value and hands it to the listeners, unless they already have this version's outcome. */
  async emit(name: string, raw: unknown, version: number, opener: Opener): Promise<void> {
    const result = await this.open(name, raw, version, opener);
    const outcome = `${version}:${result instanceof SealedError ? result.code : "ok"}`;
    if (this.emitted.get(name) === outcome) return;
    this.emitted.set(name, outcome);
    const change: SealedChange = result instanceof SealedError ? { name, version, error: result } : { name, version, value: result };
    for (const h of this.handlers) {
      try {
        h(change);
      } catch {
        // a throwing handler must not stop the others, nor the verification queue
      }
    }
  }
}
