import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { Id, SCOPES, type Scope } from "../protocol/index.js";

/** A verified identity: a user's device, or a processing service with scopes. */
export type Identity =
  | { kind: "user"; userId: string; deviceId?: string }
  | { kind: "service"; service: string; scopes: Scope[] };

export type AuthErrorCode = "TOKEN_MISSING" | "TOKEN_INVALID" | "MISCONFIGURED";

export class AuthError extends Error {
  constructor(readonly code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AuthError";
  }
}

export interface AuthSettings {
  JWT_SECRET?: string;
  JWT_JWKS_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
}

const HS_ALGS = ["HS256"];
const JWKS_ALGS = ["RS256", "ES256"];
const jwksCache = new Map<string, JWTVerifyGetKey>();
/** The imported HMAC key per secret: jose would import a raw secret again on every verify. */
const secretCache = new Map<string, Promise<CryptoKey>>();

function scopesOf(payload: JWTPayload): Scope[] {
  const raw = payload.scope ?? payload.scp;
  const list = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(" ") : [];
  return list.filter((s): s is Scope => s === SCOPES.PUBLISH || s === SCOPES.READ);
}

/**
 * Verifies a JWT and classifies it. The algorithm is pinned by configuration, never by the token;
 * `exp` is required; `iss`/`aud` are checked when configured. A token with a `sync:*` scope is a
 * service token; any other is a user token whose `sub` is the userId.
 * @example await verifyToken(jwt, env) // { kind: "user", userId: "alice", deviceId: "phone" }
 */
export async function verifyToken(token: string, settings: AuthSettings): Promise<Identity> {
  let payload: JWTPayload;
  const options = {
    issuer: settings.JWT_ISSUER || undefined,
    audience: settings.JWT_AUDIENCE || undefined,
    requiredClaims: ["exp", "sub"],
  };
  try {
    if (settings.JWT_JWKS_URL) {
      let jwks = jwksCache.get(settings.JWT_JWKS_URL);
      if (!jwks) {
        jwks = createRemoteJWKSet(new URL(settings.JWT_JWKS_URL));
        jwksCache.set(settings.JWT_JWKS_URL, jwks);
      }
      ({ payload } = await jwtVerify(token, jwks, { ...options, algorithms: JWKS_ALGS }));
    } else if (settings.JWT_SECRET) {
      let key = secretCache.get(settings.JWT_SECRET);
      if (!key) {
        key = crypto.subtle.importKey("raw", new TextEncoder().encode(settings.JWT_SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
        secretCache.set(settings.JWT_SECRET, key);
      }
      ({ payload } = await jwtVerify(token, await key, { ...options, algorithms: HS_ALGS }));
    } else {
      throw new AuthError("MISCONFIGURED", "the server has neither JWT_SECRET nor JWT_JWKS_URL");
    }
  } catch (err) {
    if (err instanceof AuthError) throw err;
    const reason = err instanceof errors.JWTExpired ? "token expired"
      : err instanceof errors.JOSEError ? `token rejected (${err.code})` : "token rejected";
    throw new AuthError("TOKEN_INVALID", reason, { cause: err });
  }

  const sub = payload.sub ?? "";
  const scopes = scopesOf(payload);
  if (scopes.length > 0) {
    if (sub.length < 1 || sub.length > 128) throw new AuthError("TOKEN_INVALID", "service token sub must be 1-128 characters");
    return { kind: "service", service: sub, scopes };
  }
  if (!Id.safeParse(sub).success) throw new AuthError("TOKEN_INVALID", "token sub is not a valid userId");
  const did = payload.did;
  if (did !== undefined && !Id.safeParse(did).success) throw new AuthError("TOKEN_INVALID", "token did is not a valid deviceId");
  return { kind: "user", userId: sub, deviceId: did as string | undefined };
}

/** The bearer token of an `Authorization` header, if any. */
export function bearerOf(header: string | undefined | null): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return m?.[1];
}
