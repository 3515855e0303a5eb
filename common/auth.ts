import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { Id, SCOPES, type Scope } from "../protocol/index.js";
import { DEFAULTS } from "./config.js";

/** A verified identity: a user's device, or a processing service with scopes. */
export type Identity =
  | { kind: "user"; userId: string; deviceId?: string; /** The token's `exp`, seconds since epoch: the socket's authority ends there. */ exp: number }
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

/** What, beyond the keys, decides whether a token is accepted and what kind it is (parsed config). */
export interface TokenPolicy {
  /** Longest accepted `exp - iat` (or `exp - now` without `iat`), in seconds. */
  maxTokenTtlSeconds: number;
  /** The `aud` that marks a service token; null: the v1 rule (a `sync:*` scope, HS256 only). */
  serviceAudience: string | null;
}

const DEFAULT_POLICY: TokenPolicy = { maxTokenTtlSeconds: DEFAULTS.maxTokenTtlSeconds, serviceAudience: DEFAULTS.serviceAudience };
/** How far in the future an `iat` may be: clock skew between the token's issuer and the edge. */
const IAT_SKEW_S = 60;
const HS_ALGS = ["HS256"];
const JWKS_ALGS = ["RS256", "ES256"];
const jwksCache = new Map<string, JWTVerifyGetKey>();
/** The imported HMAC key per secret: jose would import a raw secret again on every verify. */
const secretCache = new Map<string, Promise<CryptoKey>>();

function scopeListOf(payload: JWTPayload): unknown[] {
  const raw = payload.scope ?? payload.scp;
  return Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(" ") : [];
}

function audiencesOf(payload: JWTPayload): unknown[] {
  return Array.isArray(payload.aud) ? payload.aud : payload.aud === undefined ? [] : [payload.aud];
}

/**
 * Whether a verified token is a service token. With a service audience configured, exactly the
 * tokens that carry it are; scopes alone are not enough, so an identity provider's user token
 * with `scope: "openid sync:read"` stays a user token. Without one, the v1 rule holds for HS256
 * (any `sync:*` scope makes a service token), and a JWKS deployment has no service tokens at all:
 * its keys belong to an identity provider that issues user tokens.
 */
function isServiceToken(payload: JWTPayload, policy: TokenPolicy, jwks: boolean): boolean {
  if (policy.serviceAudience !== null) return audiencesOf(payload).includes(policy.serviceAudience);
  if (jwks) return false;
  return scopeListOf(payload).some((s) => typeof s === "string" && s.startsWith("sync:"));
}

/** Refuses a token that lives longer than the policy allows, or that was issued in the future. */
function checkAge(payload: JWTPayload, policy: TokenPolicy): void {
  const now = Math.floor(Date.now() / 1000);
  const exp = payload.exp as number;
  if (payload.iat !== undefined && payload.iat > now + IAT_SKEW_S) throw new AuthError("TOKEN_INVALID", "token iat is in the future");
  const lifetime = exp - (payload.iat ?? now);
  if (lifetime > policy.maxTokenTtlSeconds) {
    throw new AuthError("TOKEN_INVALID", `token lifetime ${lifetime} s is longer than MAX_TOKEN_TTL_SECONDS (${policy.maxTokenTtlSeconds})`);
  }
}

/**
 * Verifies a JWT and classifies it. The algorithm is pinned by configuration, never by the token;
 * `exp` is required and bounded by `maxTokenTtlSeconds`; `iss`/`aud` are checked when configured.
 * Which tokens are service tokens is decided by `isServiceToken`; any other is a user token whose
 * `sub` is the userId. Every `sub` and `did` must be an `Id` (a string of the id alphabet).
 * @example await verifyToken(jwt, env, configOf(env)) // { kind: "user", userId: "alice", deviceId: "phone" }
 */
export async function verifyToken(token: string, settings: AuthSettings, policy: TokenPolicy = DEFAULT_POLICY): Promise<Identity> {
  const hit = verified.get(token);
  if (hit && hit.settings === settings && hit.policy === policy && hit.exp > Date.now() / 1000) return hit.identity;
  const identity = await verifyAndClassify(token, settings, policy);
  if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
  verified.set(token, { identity, exp: identity.kind === "user" ? identity.exp : expOf(token), settings, policy });
  return identity;
}

/**
 * Tokens verified in this isolate, by their full text, until their `exp`: a service sends the same
 * token with every request, and an HMAC (or RSA) check and a JSON parse per request buy nothing
 * once a token passed. Bounded (oldest out first); a hit needs the same settings and policy objects
 * (the per-isolate config), so a test or deployment with other keys never sees another's result.
 */
const verified = new Map<string, { identity: Identity; exp: number; settings: AuthSettings; policy: TokenPolicy }>();
const VERIFIED_CACHE_SIZE = 1000;

/** The `exp` of a token that just passed verification (so it has one). */
function expOf(token: string): number {
  return (decodeJwt(token).exp as number | undefined) ?? 0;
}

async function verifyAndClassify(token: string, settings: AuthSettings, policy: TokenPolicy): Promise<Identity> {
  let payload: JWTPayload;
  const userAudience = settings.JWT_AUDIENCE || undefined;
  // A service token carries the service audience instead of (or beside) the users' one.
  const audience = userAudience && policy.serviceAudience !== null ? [userAudience, policy.serviceAudience] : userAudience;
  const options = { issuer: settings.JWT_ISSUER || undefined, audience, requiredClaims: ["exp", "sub"] };
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
  checkAge(payload, policy);

  const sub: unknown = payload.sub;
  if (isServiceToken(payload, policy, Boolean(settings.JWT_JWKS_URL))) {
    if (!Id.safeParse(sub).success) throw new AuthError("TOKEN_INVALID", "service token sub must be 1-128 characters of [A-Za-z0-9._:@-]");
    const scopes = scopeListOf(payload).filter((s): s is Scope => s === SCOPES.PUBLISH || s === SCOPES.READ);
    return { kind: "service", service: sub as string, scopes: [...new Set(scopes)] };
  }
  if (!Id.safeParse(sub).success) throw new AuthError("TOKEN_INVALID", "token sub is not a valid userId");
  const did = payload.did;
  if (did !== undefined && !Id.safeParse(did).success) throw new AuthError("TOKEN_INVALID", "token did is not a valid deviceId");
  return { kind: "user", userId: sub as string, deviceId: did as string | undefined, exp: payload.exp as number };
}

/** The bearer token of an `Authorization` header, if any. */
export function bearerOf(header: string | undefined | null): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return m?.[1];
}
