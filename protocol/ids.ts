import * as z from "zod/mini";

/** userId, deviceId and other ids: 1 to 128 characters of `[A-Za-z0-9._:@-]`. */
export const Id = z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9._:@-]+$/, "must be 1-128 characters of [A-Za-z0-9._:@-]"));

export const PLATFORMS = ["web", "ios", "ipad", "android", "macos", "windows", "linux", "cli", "service"] as const;
export const Platform = z.enum(PLATFORMS);
export type Platform = z.infer<typeof Platform>;

export const TOPICS = ["state", "shoots", "credits", "prompts", "dream", "presence"] as const;
export const Topic = z.enum(TOPICS);
export type Topic = z.infer<typeof Topic>;

/**
 * Characters a display name may not hold: controls (Cc, NUL included), line and paragraph
 * separators, and format characters (Cf: the bidi controls U+200E/F, U+202A-202E, U+2066-2069,
 * U+061C, invisible ones like U+200B and U+FEFF). Shown in the user's other devices' UI, they
 * could hide or reorder what a name says. Zero-width (non-)joiners stay: emoji and some scripts need them.
 */
const UNSAFE_IN_NAME = /[\p{Cc}\u2028\u2029]|(?![\u200C\u200D])\p{Cf}/u;

/** A display name for a device: 1-64 characters, none of them control, format or bidi characters. */
export const DeviceName = z.string().check(
  z.minLength(1),
  z.maxLength(64),
  z.refine((s) => !UNSAFE_IN_NAME.test(s), "must not contain control, format or bidirectional characters"),
);

/** A unit interval value, as every limbic and convergence variable is. */
export const Unit = z.number().check(z.gte(0), z.lte(1));

/** A non-negative integer. */
export const Count = z.int().check(z.gte(0));

/** A log epoch: an opaque name of one history of a user's log, 1-32 characters of `[A-Za-z0-9_-]`. */
export const Epoch = z.string().check(z.minLength(1), z.maxLength(32), z.regex(/^[A-Za-z0-9_-]+$/, "must be 1-32 characters of [A-Za-z0-9_-]"));
