import type { SealedErrorCode } from "../../protocol/index.js";

/**
 * A refusal of sealed data or a sealed operation, with a stable code: `SEALED_TAMPERED`,
 * `SEALED_UNKNOWN_SENDER`, `DIRECTORY_TAMPERED`, `GRANT_TAMPERED`, `SEALED_LOCKED`, `PAIRING_FAILED`
 * (protocol/sealed.ts), or a server code (`CONFLICT`, `STALE_EPOCH`, `TOO_LARGE`, ...) passed through.
 */
export class SealedError extends Error {
  constructor(readonly code: SealedErrorCode | (string & {}), message: string) {
    super(message);
    this.name = "SealedError";
  }
}
