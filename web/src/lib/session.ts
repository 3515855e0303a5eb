import * as z from "zod/mini";
import { Id } from "../../../protocol/index.js";
import { browserIdentity } from "./device-identity.js";
import { local, session as sessionStore } from "./safe-storage.js";

/**
 * Who this window is signed in as. Kept in sessionStorage, so two windows of one browser can be
 * two devices of one user; a reload keeps the window's device.
 */
export const Session = z.object({
  userId: Id,
  deviceId: z.optional(Id),
  deviceName: z.optional(z.string()),
  token: z.string().check(z.minLength(10)),
  /** Dev sign-in only: a user token without a device, for the tester's own connection. */
  testerToken: z.optional(z.string()),
  /** Dev sign-in only: a service token for the tester's service form. */
  serviceToken: z.optional(z.string()),
  expiresAt: z.optional(z.number()),
  source: z.enum(["dev", "host"]),
});
export type Session = z.infer<typeof Session>;

const KEY = "nerve-app.session";
const LAST_USER = "nerve-app.lastUser";

const DevSignInResult = z.object({
  userId: Id,
  deviceId: Id,
  deviceName: z.string(),
  token: z.string(),
  testerToken: z.string(),
  serviceToken: z.string(),
  expiresAt: z.number(),
});

const ApiErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), issues: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))) }) });

/** Why the last session ended when the server refused its token (expired or revoked), until a new one. */
export type SessionEnd = "expired" | "refused";
let ended: SessionEnd | null = null;

const listeners = new Set<() => void>();
let current: Session | null = read();

export function getSessionEnd(): SessionEnd | null {
  return ended;
}

/** The token stopped working: forget it and show the session-ended screen (not a silent sign-in page). */
export function endSession(reason: SessionEnd): void {
  sessionStore.removeItem(KEY);
  current = null;
  ended = reason;
  listeners.forEach((l) => l());
}

function read(): Session | null {
  try {
    const raw = sessionStore.getItem(KEY);
    if (!raw) return null;
    const parsed = Session.safeParse(JSON.parse(raw));
    if (!parsed.success) return null;
    if (parsed.data.expiresAt !== undefined && parsed.data.expiresAt < Date.now()) {
      // Back after the token ran out: say the session ended, rather than showing sign-in silently.
      ended = "expired";
      return null;
    }
    return parsed.data;
  } catch {
    return null;
  }
}

export function getSession(): Session | null {
  return current;
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setSession(session: Session | null): void {
  current = session;
  if (session) ended = null;
  if (session) {
    sessionStore.setItem(KEY, JSON.stringify(session));
    local.setItem(LAST_USER, session.userId);
  } else {
    sessionStore.removeItem(KEY);
  }
  listeners.forEach((l) => l());
}

export function lastUser(): string {
  return local.getItem(LAST_USER) ?? "";
}

/** Claims of a JWT, decoded for display only: the server verifies every token it is given. */
export function peekClaims(token: string): { sub?: string; did?: string; exp?: number } {
  try {
    const part = token.split(".")[1] ?? "";
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const parsed = z.object({ sub: z.optional(z.string()), did: z.optional(z.string()), exp: z.optional(z.number()) }).safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** A session from a token the host app gave us (`#token=` in the URL, or a postMessage). */
export function sessionFromHostToken(token: string): Session | null {
  const claims = peekClaims(token);
  const userId = Id.safeParse(claims.sub);
  if (!userId.success) return null;
  const deviceId = Id.safeParse(claims.did);
  // A token without a device names none: this browser's own stable id stands in.
  const identity = browserIdentity();
  return {
    userId: userId.data,
    deviceId: deviceId.success ? deviceId.data : identity.deviceId,
    deviceName: identity.deviceName,
    token,
    expiresAt: claims.exp ? claims.exp * 1000 : undefined,
    source: "host",
  };
}

/** The window that opened or embeds this app (its host), if any. */
function hostWindow(): Window | null {
  if (window.parent !== window) return window.parent;
  return window.opener instanceof Window ? window.opener : null;
}

/**
 * Asks the host app for a fresh token: `{type: "nerve:token-request", reason}` to the embedding or
 * opening window (see web/README.md, "Host apps"). The host answers with `{type: "nerve:token", token}`.
 * Returns false when there is no host to ask.
 */
export function requestHostToken(reason: SessionEnd | "start" | "expiring"): boolean {
  const host = hostWindow();
  if (!host) return false;
  host.postMessage({ type: "nerve:token-request", reason }, "*");
  return true;
}

/**
 * Asks the host for a fresh token before the current one ends, and waits for it a few seconds:
 * the new token, or null when there is no host or it did not answer in time.
 */
let pendingRenewal: Promise<string | null> | null = null;

export function renewHostToken(timeoutMs = 5000): Promise<string | null> {
  // One question at a time: a connect and the SDK's refresh may both ask.
  pendingRenewal ??= askForRenewal(timeoutMs).finally(() => {
    pendingRenewal = null;
  });
  return pendingRenewal;
}

function askForRenewal(timeoutMs: number): Promise<string | null> {
  const before = current?.token;
  if (!requestHostToken("expiring")) return Promise.resolve(null);
  return new Promise((resolve) => {
    const done = (token: string | null) => {
      clearTimeout(timer);
      listeners.delete(check);
      resolve(token);
    };
    const check = () => {
      if (current && current.token !== before) done(current.token);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    listeners.add(check);
  });
}

/** Whether a host app embeds or opened this window (so it can be asked for a token). */
export const hasHost = (): boolean => hostWindow() !== null;

/** Takes `#token=<jwt>` from the URL (then removes it from the address bar and history). */
export function adoptTokenFromUrl(): boolean {
  const hash = new URLSearchParams(window.location.hash.slice(1));
  const token = hash.get("token");
  if (!token) return false;
  const session = sessionFromHostToken(token);
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  if (!session) return false;
  setSession(session);
  return true;
}

/** Lets the host hand the app a token: `iframe.contentWindow.postMessage({type: "nerve:token", token}, origin)`. */
export function listenForHostToken(): () => void {
  const Message = z.object({ type: z.literal("nerve:token"), token: z.string() });
  const onMessage = (e: MessageEvent) => {
    // Only the embedding or opening window speaks for the host app.
    const host = hostWindow();
    if (!host || e.source !== host) return;
    const msg = Message.safeParse(e.data);
    if (!msg.success) return;
    const session = sessionFromHostToken(msg.data.token);
    if (session) setSession(session);
  };
  window.addEventListener("message", onMessage);
  return () => window.removeEventListener("message", onMessage);
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly issues: { path: string; message: string }[] = []) {
    super(message);
    this.name = "ApiError";
  }
}

/** Whether this deployment offers dev sign-in (`DEV_SIGN_IN=1`). */
export async function devSignInAvailable(): Promise<boolean> {
  try {
    // A deployment without it answers {enabled: false} (docs/protocol.md 13.1), never a 404.
    const res = await fetch("/api/dev", { headers: { Accept: "application/json" } });
    const body = z.object({ enabled: z.boolean() }).safeParse(await res.json().catch(() => null));
    return res.ok && body.success && body.data.enabled;
  } catch {
    return false;
  }
}

/** Mints a user token (and a service token for the tester) through the dev sign-in API. */
export async function devSignIn(userId: string, deviceName: string, deviceId: string): Promise<Session> {
  const res = await fetch("/api/dev/sign-in", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ userId, deviceName, deviceId }),
  });
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = ApiErrorBody.safeParse(json);
    if (err.success) throw new ApiError(res.status, err.data.error.code, err.data.error.message, err.data.error.issues);
    throw new ApiError(res.status, "HTTP", `sign-in failed with HTTP ${res.status}`);
  }
  const body = DevSignInResult.safeParse(json);
  if (!body.success) throw new ApiError(res.status, "BAD_RESPONSE", "the sign-in answer was not understood");
  const session: Session = { ...body.data, source: "dev" };
  setSession(session);
  return session;
}
