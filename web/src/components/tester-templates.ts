import type { ClientMessageType } from "../../../protocol/index.js";
import type { ServiceEndpoint } from "../lib/service-api.js";

export interface TemplateContext {
  lastSeq: number;
  userId: string;
  cycleId?: string;
}

/**
 * A template for every client message type. Typed as a complete record, so a message type added
 * to the protocol fails the build until it has a template here.
 */
export const CLIENT_TEMPLATES: Record<ClientMessageType, (c: TemplateContext) => unknown> = {
  PING: () => ({ t: Date.now() }),
  ACK: (c) => ({ seq: c.lastSeq }),
  UPDATE_PROGRESS: () => ({ shootId: "tester-demo", status: "processing", processedCount: 25, totalCount: 100, currentImage: "IMG_0025.CR3", eta: 90, provider: "tester" }),
  LIMBIC_UPDATE: () => ({ trust: 0.8, warmth: 0.7 }),
  CONVERGENCE_UPDATE: () => ({ progress: 0.4, currentQuestion: 4, connectionStrength: 0.6 }),
  POSTURE_CHANGE: () => ({ posture: "copilot", reason: "switched from the tester", confidence: 0.9 }),
  DREAM_START: () => ({ windowHours: 24, note: "from the tester" }),
  DREAM_CANCEL: (c) => ({ cycleId: c.cycleId ?? "dc-replace-me" }),
  DREAM_SCHEDULE: () => ({ enabled: true, hour: 3, minute: 0, utcOffsetMinutes: -new Date().getTimezoneOffset(), windowHours: 24 }),
  STATE_SYNC: () => ({}),
  REFRESH: () => ({ token: "<paste a fresh user token for this device>" }),
  // Sealed frames are made by the SDK (nerve/client/sealed); by hand, the hub checks only their shape and author.
  SEALED_UPDATE: () => ({ name: "notes", envelope: { v: 1, kind: "device", epoch: 1, from: "<this deviceId>", ts: Date.now(), nonce: "<24 bytes, base64url>", ct: "<ciphertext, base64url>", sig: "<Ed25519 signature, base64url>" } }),
  KEYRING_UPDATE: () => ({ grants: [], drop: ["<deviceId>"] }),
  PAIRING_UPDATE: () => ({ step: "close", deviceId: "<deviceId>", outcome: "cancelled" }),
};

export function clientFrame(type: ClientMessageType, c: TemplateContext, withId: boolean): string {
  const frame = { type, ...(withId ? { id: `t-${Date.now().toString(36)}` } : {}), data: CLIENT_TEMPLATES[type](c) };
  return JSON.stringify(frame, null, 2);
}

export const SERVICE_TEMPLATES: Record<ServiceEndpoint, (c: TemplateContext) => unknown> = {
  "shoot-progress": (c) => ({ userId: c.userId, shootId: "tester-demo", status: "processing", processedCount: 40, totalCount: 100, currentImage: "IMG_0040.CR3", eta: 60, provider: "tester" }),
  "credit-update": (c) => ({ userId: c.userId, newBalance: 1250, change: 250, reason: "Top-up from the tester" }),
  "prompt-change": (c) => ({ userId: c.userId, promptId: "p-42", action: "updated", title: "Golden hour portraits" }),
  state: (c) => ({ userId: c.userId, limbic: { trust: 0.9, humor: 0.7 }, posture: { posture: "expert", reason: "set by a service" } }),
  dream: (c) => ({ userId: c.userId, windowHours: 24, note: "queued by a service" }),
  "dream-result": (c) => ({ userId: c.userId, cycleId: c.cycleId ?? "dc-replace-me", insights: [{ kind: "external", title: "You focus best in the morning", detail: "Most convergence answers came before noon.", evidence: [1] }] }),
};
