/**
 * The machine-readable contracts, generated from `protocol/`: JSON Schema (draft 2020-12) for every
 * client message, server frame, event's data, state value and HTTP body. Dev-time only: nothing in
 * `src/` imports it. `npm run contracts` writes `docs/schema/*.json`; test/unit/contracts.test.ts
 * fails when the checked-in files differ from what this generates.
 */
import * as z from "zod/mini";
import { asyncApiDocument } from "./asyncapi.js";
import { clientMessageSchemas, serverFrameSchemas, toSchema, type Json, type Schema } from "./json-schema.js";
import {
  BatchBody, BatchItem, BroadcastAccepted, BroadcastBody, BroadcastStatus, CreditUpdateBody, DreamBody, DreamResultBody, EVENT_DATA, EVENT_TYPES, EventsQuery, MetricsAnswer,
  PromptChangeBody, SealedServiceBody, ShootProgressBody, StateBody,
} from "../protocol/index.js";
import {
  BatchAnswer, DreamAnswer, DreamResultAnswer, EraseAnswer, ErrorBodySchema, EventsPageAnswer, FanoutAnswer, MeSnapshot,
  PublishAnswer, STATE_VALUES, StatusAnswer, UserSnapshot,
} from "../protocol/contract-schemas.js";

const BASE = "https://nerve.dev/schema/";

/**
 * A document of named schemas: `$defs` holds each, and the document itself matches any of them.
 * `reader`: the server sends these (extra fields may appear); otherwise the server accepts these
 * (extra fields are refused where the protocol is strict).
 */
function document(name: string, title: string, description: string, defs: Record<string, Schema>, reader: boolean, titles: Record<string, string> = {}): Json {
  const $defs: Record<string, Json> = {};
  for (const [key, schema] of Object.entries(defs)) $defs[key] = { ...(titles[key] ? { title: titles[key] } : {}), ...toSchema(schema, reader) };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `${BASE}${name}.json`,
    title,
    description,
    anyOf: Object.keys(defs).map((key) => ({ $ref: `#/$defs/${key}` })),
    $defs,
  };
}

/** Definition names of the state keys that stand for a family of keys. */
const STATE_DEF_NAMES: Record<string, string> = { "shoots.<shootId>": "shoot", "sealed.<name>": "sealed", "pairing.<deviceId>": "pairing" };

/** Every contract document, by file name (without `.json`). */
export function contractDocuments(): Record<string, Json> {
  return {
    "client-messages": document(
      "client-messages", "Nerve client messages",
      "Every JSON frame a client may send on /ws, one definition per type (docs/protocol.md section 7).",
      clientMessageSchemas(), false,
    ),
    "server-frames": document(
      "server-frames", "Nerve server frames",
      "Every JSON frame the server sends on /ws: ephemeral frames and one definition per durable event type (docs/protocol.md sections 6 and 8). Ignore unknown types and fields.",
      serverFrameSchemas(), true,
    ),
    events: document(
      "events", "Nerve event data",
      "The data of each durable event type, as in its frame's data field (docs/protocol.md section 8).",
      Object.fromEntries(EVENT_TYPES.map((t) => [t, EVENT_DATA[t]])), true,
    ),
    state: document(
      "state", "Nerve state values",
      "The value of each state key, as in STATE.state and GET /api/me (docs/protocol.md section 8). The definition `shoot` is the value of every `shoots.<shootId>` key.",
      Object.fromEntries(Object.entries(STATE_VALUES).map(([key, schema]) => [STATE_DEF_NAMES[key] ?? key, schema])), true,
      { shoot: "shoots.<shootId>", sealed: "sealed.<name>", pairing: "pairing.<deviceId>" },
    ),
    "http-requests": document(
      "http-requests", "Nerve HTTP request bodies",
      "The JSON body of each HTTP write, named by route, and the query of GET /api/me/events (docs/protocol.md section 13).",
      { ShootProgressBody, CreditUpdateBody, PromptChangeBody, StateBody, DreamBody, DreamResultBody, SealedServiceBody, BatchBody, BatchItem, BroadcastBody, EventsQuery }, false,
      {
        ShootProgressBody: "POST /api/sync/shoot-progress",
        CreditUpdateBody: "POST /api/sync/credit-update",
        PromptChangeBody: "POST /api/sync/prompt-change",
        StateBody: "POST /api/sync/state",
        DreamBody: "POST /api/sync/dream",
        DreamResultBody: "POST /api/sync/dream-result",
        SealedServiceBody: "POST /api/sync/sealed",
        BatchBody: "POST /api/sync/batch",
        BatchItem: "POST /api/sync/batch: one item of events (each is checked on its own)",
        BroadcastBody: "POST /api/sync/broadcast",
        EventsQuery: "GET /api/me/events: the query parameters",
      },
    ),
    "http-responses": document(
      "http-responses", "Nerve HTTP answers",
      "The JSON body of each HTTP answer, named by route and status (docs/protocol.md section 13).",
      {
        ErrorBody: ErrorBodySchema, PublishAnswer, FanoutAnswer, BatchAnswer, DreamAnswer, DreamResultAnswer,
        UserSnapshot, EraseAnswer, StatusAnswer, MeSnapshot, EventsPageAnswer, MetricsAnswer, BroadcastAccepted, BroadcastStatus,
      }, true,
      {
        ErrorBody: "every HTTP error (4xx, 5xx)",
        PublishAnswer: "202 of POST /api/sync/shoot-progress, credit-update, prompt-change (userId), state, sealed",
        FanoutAnswer: "202 of POST /api/sync/prompt-change with userIds",
        BatchAnswer: "202 of POST /api/sync/batch",
        DreamAnswer: "202 of POST /api/sync/dream",
        DreamResultAnswer: "202 of POST /api/sync/dream-result",
        UserSnapshot: "200 of GET /api/sync/users/:userId",
        EraseAnswer: "200 of DELETE /api/sync/users/:userId",
        StatusAnswer: "200 of GET /api/sync/status",
        MeSnapshot: "200 of GET /api/me",
        EventsPageAnswer: "200 of GET /api/me/events",
        MetricsAnswer: "200 of GET /api/sync/users/:userId/metrics",
        BroadcastAccepted: "202 of POST /api/sync/broadcast",
        BroadcastStatus: "200 of GET /api/sync/broadcasts/:id",
      },
    ),
  };
}

/** The text of each file under docs/schema/, as checked in. */
export function contractFiles(): Record<string, string> {
  const docs = { ...contractDocuments(), openapi: openApiDocument(), asyncapi: asyncApiDocument() };
  return Object.fromEntries(Object.entries(docs).map(([name, doc]) => [`${name}.json`, `${JSON.stringify(doc, null, 2)}\n`]));
}

type Op = {
  summary: string;
  auth?: "service" | "user";
  scope?: "sync:publish" | "sync:read";
  body?: string;
  ok: [status: number, schema: string | string[]];
  idempotent?: boolean;
  params?: Json[];
  errors?: number[];
};

const ERROR_STATUS: Record<number, string> = {
  400: "invalid body, query or path (INVALID_BODY with issues, BAD_JSON)",
  401: "no token (UNAUTHORIZED) or a bad one (TOKEN_INVALID)",
  403: "wrong token kind or missing scope (FORBIDDEN)",
  404: "no such user state key, cycle or broadcast (NOT_FOUND)",
  409: "a state limit (STATE_TOO_LARGE, TOO_MANY_SHOOTS), a stale cycle (CONFLICT) or a sealed value of an old epoch (STALE_EPOCH); nothing changed",
  413: "body over MAX_BODY_BYTES (TOO_LARGE)",
  415: "body is not application/json (UNSUPPORTED_MEDIA_TYPE)",
  422: "Idempotency-Key reused with a different request (IDEMPOTENCY_KEY_REUSED)",
  429: "over the per-user service rate (RATE_LIMITED; Retry-After header)",
};
const WRITE_ERRORS = [400, 401, 403, 409, 413, 415, 422, 429];
const READ_ERRORS = [400, 401, 403];
const userIdParam: Json = { name: "userId", in: "path", required: true, schema: toSchema(z.string().check(z.regex(/^[A-Za-z0-9._:@-]{1,128}$/)), false) };

const OPERATIONS: Record<string, Record<string, Op>> = {
  "/api/sync/shoot-progress": { post: { summary: "Publish SHOOT_PROGRESS", auth: "service", scope: "sync:publish", body: "ShootProgressBody", ok: [202, "PublishAnswer"], idempotent: true } },
  "/api/sync/credit-update": { post: { summary: "Publish CREDIT_UPDATE", auth: "service", scope: "sync:publish", body: "CreditUpdateBody", ok: [202, "PublishAnswer"], idempotent: true } },
  "/api/sync/prompt-change": { post: { summary: "Publish PROMPT_CHANGE to one user (userId) or many (userIds)", auth: "service", scope: "sync:publish", body: "PromptChangeBody", ok: [202, ["PublishAnswer", "FanoutAnswer"]], idempotent: true } },
  "/api/sync/state": { post: { summary: "Set limbic, convergence and posture state", auth: "service", scope: "sync:publish", body: "StateBody", ok: [202, "PublishAnswer"], idempotent: true } },
  "/api/sync/dream": { post: { summary: "Queue a dream cycle", auth: "service", scope: "sync:publish", body: "DreamBody", ok: [202, "DreamAnswer"], idempotent: true } },
  "/api/sync/dream-result": { post: { summary: "An external dream processor's result", auth: "service", scope: "sync:publish", body: "DreamResultBody", ok: [202, "DreamResultAnswer"], idempotent: true } },
  "/api/sync/sealed": { post: { summary: "Store a value sealed to the user (SEALED_UPDATE of sealed.<name>; docs/encryption.md)", auth: "service", scope: "sync:publish", body: "SealedServiceBody", ok: [202, "PublishAnswer"], idempotent: true } },
  "/api/sync/batch": { post: { summary: "Publish up to 1,000 events of any users; one result per item", auth: "service", scope: "sync:publish", body: "BatchBody", ok: [202, "BatchAnswer"] } },
  "/api/sync/broadcast": {
    post: {
      summary: "Queue one event for up to 100,000 users; progress at GET /api/sync/broadcasts/{id}", auth: "service", scope: "sync:publish",
      body: "BroadcastBody", ok: [202, "BroadcastAccepted"], idempotent: true, errors: [400, 401, 403, 413, 415, 422],
    },
  },
  "/api/sync/broadcasts/{id}": {
    get: {
      summary: "A broadcast's progress and first failures (the service that sent it only)", auth: "service", scope: "sync:read", ok: [200, "BroadcastStatus"],
      params: [{ name: "id", in: "path", required: true, description: "the broadcastId of the 202", schema: { type: "string" } }], errors: [401, 403, 404],
    },
  },
  "/api/sync/users/{userId}": {
    get: { summary: "A user's state, versions and devices", auth: "service", scope: "sync:read", ok: [200, "UserSnapshot"], params: [userIdParam], errors: READ_ERRORS },
    delete: { summary: "Erase a user (a new epoch); closes their sockets with 4011", auth: "service", scope: "sync:publish", ok: [200, "EraseAnswer"], params: [userIdParam], errors: READ_ERRORS },
  },
  "/api/sync/users/{userId}/metrics": {
    get: { summary: "A user's hub counters: events, bytes, sockets, catch-ups, refusals, wakes, storage", auth: "service", scope: "sync:read", ok: [200, "MetricsAnswer"], params: [userIdParam], errors: READ_ERRORS },
  },
  "/api/sync/users/{userId}/state/{key}": {
    delete: {
      summary: "Remove a state key (STATE_REMOVED)", auth: "service", scope: "sync:publish", ok: [200, "PublishAnswer"], idempotent: true,
      params: [userIdParam, { name: "key", in: "path", required: true, description: "limbic, convergence, posture, credits, shoots.<shootId>, sealed.<name> or pairing.<deviceId>", schema: { type: "string" } }],
      errors: [400, 401, 403, 404, 422, 429],
    },
  },
  "/api/sync/status": { get: { summary: "Liveness; no token", ok: [200, "StatusAnswer"], errors: [] } },
  "/api/me": { get: { summary: "The signed-in user's state, versions and devices", auth: "user", ok: [200, "MeSnapshot"], errors: [401, 403] } },
  "/api/me/state/{key}": {
    delete: {
      summary: "Dismiss a finished or stalled shoot of the signed-in user (STATE_REMOVED from the device)", auth: "user", ok: [200, "PublishAnswer"],
      params: [{ name: "key", in: "path", required: true, description: "shoots.<shootId>; 409 CONFLICT while the shoot runs", schema: { type: "string" } }],
      errors: [400, 401, 403, 404, 409],
    },
  },
  "/api/me/events": {
    get: {
      summary: "A page of the user's event log after since (at most 500 events, bounded by bytes)", auth: "user", ok: [200, "EventsPageAnswer"], errors: READ_ERRORS,
      params: [
        { name: "since", in: "query", schema: { type: "string", pattern: "^\\d{1,15}$" }, description: "the last seq processed (default 0)" },
        { name: "limit", in: "query", schema: { type: "string", pattern: "^\\d{1,4}$" }, description: "1-500 (default 500)" },
        { name: "epoch", in: "query", schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,32}$" }, description: "the epoch of the since cursor; another epoch answers reset: true" },
      ],
    },
  },
};

/** OpenAPI 3.1 for every HTTP route, its schemas from the same zod schemas as docs/schema. */
export function openApiDocument(): Json {
  const requests = contractDocuments()["http-requests"]!.$defs as Record<string, Json>;
  const answers = contractDocuments()["http-responses"]!.$defs as Record<string, Json>;
  const schemas: Record<string, Json> = { ...requests, ...answers };
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const json = (schema: Json) => ({ "application/json": { schema } });
  const paths: Record<string, Json> = {};
  for (const [path, ops] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(ops)) {
      const [status, ok] = op.ok;
      const responses: Record<string, Json> = {
        [status]: { description: "success", content: json(Array.isArray(ok) ? { oneOf: ok.map(ref) } : ref(ok)) },
      };
      for (const s of op.errors ?? WRITE_ERRORS) responses[s] = { $ref: `#/components/responses/E${s}` };
      responses["500"] = { $ref: "#/components/responses/E500" };
      const parameters = [...(op.params ?? []), ...(op.idempotent || op.body === "BatchBody" ? [{ $ref: "#/components/parameters/IdempotencyKey" }] : [])];
      (paths[path] as Json)[method] = {
        operationId: `${method}${path.replace(/[{}]/g, "").split(/[/-]/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join("")}`,
        summary: op.summary,
        ...(op.auth ? { security: [{ [op.auth === "service" ? "serviceToken" : "userToken"]: op.scope ? [op.scope] : [] }] } : { security: [] }),
        ...(parameters.length ? { parameters } : {}),
        ...(op.body ? { requestBody: { required: true, content: json(ref(op.body)) } } : {}),
        responses,
      };
    }
  }
  const errorResponses: Record<string, Json> = {};
  for (const [s, description] of Object.entries({ ...ERROR_STATUS, 500: "server fault (INTERNAL, retryable)" })) {
    errorResponses[`E${s}`] = {
      description,
      ...(s === "429" ? { headers: { "Retry-After": { description: "seconds to wait", schema: { type: "integer" } } } } : {}),
      content: json(ref("ErrorBody")),
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Nerve HTTP API",
      version: "1.2.0",
      description: "Per-user real-time sync: the HTTP routes (docs/protocol.md section 13). The WebSocket /ws is described in docs/protocol.md and docs/schema/. Generated from protocol/ by npm run contracts.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    servers: [{ url: "/" }],
    security: [],
    paths,
    components: {
      schemas,
      responses: errorResponses,
      parameters: {
        IdempotencyKey: {
          name: "Idempotency-Key", in: "header", required: false,
          description: "A repeated key (same service and route) returns the first result with duplicate: true and publishes nothing; reused with a different request: 422.",
          schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,255}$" },
        },
      },
      securitySchemes: {
        serviceToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A service token: sub = service name, scope with sync:publish and/or sync:read." },
        userToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A user (device) token: sub = userId, did = deviceId (optional)." },
      },
    },
  };
}
