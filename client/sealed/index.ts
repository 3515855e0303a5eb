/**
 * Sealed (end-to-end encrypted) state for the Nerve client: `nerve/client/sealed`.
 * A separate entry so that apps without sealed state do not ship the cryptography.
 *
 *   const client = withSealed(createNerveClient({ url, getToken }), { deviceName: "Ana's laptop" });
 *   await client.sealed.settled();
 *   if (client.sealed.getSnapshot().status === "none") await client.sealed.setup();
 *   await client.sealed.set("journal", { text: "only my devices can read this" });
 *   client.sealed.onSealed(({ name, value, error }) => ...);
 *
 * Design and threat model: docs/encryption.md. SDK guide: docs/client.md, "Sealed state".
 */
import type { NerveClient } from "../nerve-client.js";
import { SealedClient, type SealedOptions } from "./sealed-client.js";

export { SealedClient, type SealedChange, type SealedOptions, type SealedSnapshot, type SealedStatus, type SealedValue } from "./sealed-client.js";
export { SealedError } from "./sealed-error.js";
export { sealToUser } from "./service.js";
export { verifyDirectory, type Pin, type VerifiedDirectory } from "./directory.js";
export { bytesKeyStore, defaultKeyStore, webCryptoKeyStore, webCryptoSupported, type DeviceKeys, type DeviceKeyStore } from "./device-keys.js";
export type { PairingRequest, PairingView } from "./approvals.js";
export { SealedErrorCode } from "../../protocol/index.js";

/**
 * Adds `client.sealed` to a client.
 * @example const client = withSealed(createNerveClient(options)); await client.sealed.set("notes", { text })
 */
export function withSealed<C extends NerveClient>(client: C, options: SealedOptions = {}): C & { sealed: SealedClient } {
  return Object.assign(client, { sealed: new SealedClient(client, options) });
}
