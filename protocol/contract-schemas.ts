/**
 * Schemas of the values the server sends that are not frames: state values by key and HTTP answers.
 * They describe what the server already sends; `docs/schema/*.json` is generated from them
 * (`npm run contracts`) and tests check the server's answers against them.
 */
import * as z from "zod/mini";
import { Id, Epoch } from "./ids.js";
import { Convergence, CreditUpdateData, EVENT_TYPES, Limbic, PostureName, ShootProgressData } from "./events.js";
import { DreamsState } from "./dreams.js";
import { DeviceInfo } from "./server-frames.js";
import { Keyring, PairingStateSchema, SealedEnvelope } from "./sealed.js";

const Issue = z.object({ path: z.string(), message: z.string() });

/** `shoots.<shootId>`: the last `SHOOT_PROGRESS` data of the shoot, with when it arrived. */
export const ShootState = z.extend(ShootProgressData, { updatedAt: z.number() });
/** `credits`: the last `CREDIT_UPDATE` data, with when it arrived. */
export const CreditsState = z.extend(CreditUpdateData, { updatedAt: z.number() });

const PostureHistoryEntry = z.object({
  from: z.nullable(PostureName),
  to: PostureName,
  reason: z.optional(z.string()),
  confidence: z.optional(z.number()),
  at: z.number(),
  by: z.string(),
  seq: z.int(),
});
/** `posture`: the current posture and the last 50 changes. */
export const PostureStateSchema = z.object({
  posture: PostureName,
  reason: z.optional(z.string()),
  confidence: z.optional(z.number()),
  changedAt: z.number(),
  by: z.string(),
  history: z.array(PostureHistoryEntry),
});

/** The value of each state key (`shoots.<shootId>` stands for every shoot's key). */
export const STATE_VALUES = {
  "shoots.<shootId>": ShootState,
  credits: CreditsState,
  limbic: Limbic,
  convergence: Convergence,
  posture: PostureStateSchema,
  dreams: DreamsState,
  /** Sealed state (docs/encryption.md): ciphertext the server stores without reading. */
  "sealed.<name>": SealedEnvelope,
  keyring: Keyring,
  "pairing.<deviceId>": PairingStateSchema,
} as const;

/** Every HTTP error: `{error: {code, message, retryable, issues?, retryAfterMs?}}`. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    retryable: z.optional(z.boolean()),
    issues: z.optional(z.array(Issue)),
    retryAfterMs: z.optional(z.number()),
  }),
});

const ItemError = ErrorBodySchema.shape.error;

/** `202` of a single-user publish (`shoot-progress`, `credit-update`, `prompt-change` with `userId`, `state`). */
export const PublishAnswer = z.object({
  seq: z.int(),
  delivered: z.int(),
  duplicate: z.optional(z.boolean()),
  /** `POST /api/sync/state`: the seq of each event written. */
  seqs: z.optional(z.array(z.int())),
});

/** `202` of `POST /api/sync/prompt-change` with `userIds`. */
export const FanoutAnswer = z.object({
  results: z.array(z.union([
    z.object({ userId: Id, seq: z.int(), delivered: z.int(), duplicate: z.optional(z.boolean()) }),
    z.object({ userId: Id, error: ItemError }),
  ])),
});

/** `202` of `POST /api/sync/batch`: one result per item, in order. */
export const BatchAnswer = z.object({
  results: z.array(z.union([
    z.object({ userId: z.string(), seq: z.int(), duplicate: z.optional(z.boolean()) }),
    z.object({ userId: z.optional(z.unknown()), error: ItemError }),
  ])),
});

/** `202` of `POST /api/sync/dream`. */
export const DreamAnswer = z.object({ cycleId: Id, seq: z.int(), duplicate: z.optional(z.boolean()) });
/** `202` of `POST /api/sync/dream-result`. */
export const DreamResultAnswer = z.object({ seq: z.int(), duplicate: z.optional(z.boolean()) });

/** `200` of `GET /api/sync/users/:userId`. */
export const UserSnapshot = z.object({
  seq: z.int(),
  epoch: Epoch,
  state: z.record(z.string(), z.unknown()),
  versions: z.record(z.string(), z.int()),
  devices: z.array(DeviceInfo),
});
/** `200` of `GET /api/me`. */
export const MeSnapshot = z.extend(UserSnapshot, { userId: Id });

/** `200` of `GET /api/me/events`. */
export const EventsPageAnswer = z.object({
  events: z.array(z.object({ type: z.enum(EVENT_TYPES), seq: z.int(), ts: z.number(), data: z.unknown(), from: z.string() })),
  seq: z.int(),
  epoch: Epoch,
  reset: z.boolean(),
  hasMore: z.boolean(),
});

/** `200` of `DELETE /api/sync/users/:userId`. */
export const EraseAnswer = z.object({ epoch: Epoch });
/** `200` of `GET /api/sync/status`. */
export const StatusAnswer = z.object({ ok: z.literal(true), version: z.string(), time: z.number() });
