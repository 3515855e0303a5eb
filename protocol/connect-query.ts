import * as z from "zod/mini";
import { DeviceName, Epoch, Id, Platform, Topic } from "./ids.js";

/**
 * The query parameters of `GET /ws` (all optional; docs/protocol.md section 3). The Worker parses
 * the upgrade request with it, and docs/asyncapi.json describes the channel binding from it.
 * An invalid parameter closes the socket with 4000 and a reason naming it.
 */
export const ConnectQuery = z.object({
  /** The highest seq this device has processed. */
  since: z.optional(z.pipe(z.string().check(z.regex(/^\d{1,15}$/, "must be a non-negative integer")), z.transform(Number))),
  /** The `WELCOME.epoch` the `since` cursor belongs to. */
  epoch: z.optional(Epoch),
  /** A stable device id, used only when the token has no `did`. */
  device: z.optional(Id),
  platform: z.optional(Platform),
  /** A display name for the device. */
  name: z.optional(DeviceName),
  /** `1`: the catch-up's missed messages come several to a frame, in EVENTS frames. */
  batch: z.optional(z.pipe(z.enum(["0", "1"]), z.transform((v) => v === "1"))),
  /** A comma list of topics this connection receives (default: all). */
  topics: z.optional(z.pipe(z.pipe(z.string(), z.transform((s) => s.split(",").map((t) => t.trim()).filter(Boolean))), z.array(Topic).check(z.minLength(1, "name at least one topic")))),
});
export type ConnectQuery = z.output<typeof ConnectQuery>;
