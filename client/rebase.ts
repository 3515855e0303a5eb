import { CONVERGENCE_DEFAULTS, LIMBIC_DEFAULTS } from "../protocol/index.js";

/**
 * Which fields a queued edit and a newer change both touched: the pure part of conflict-aware
 * queued edits. Limbic and convergence are field-wise (a convergence answer is its own field,
 * `answers.<questionId>`); posture and shoots are whole values (any newer change overlaps).
 */

/** The fields an edit writes (`data` of LIMBIC_UPDATE, CONVERGENCE_UPDATE, POSTURE_CHANGE, UPDATE_PROGRESS). */
export function editedFields(key: string, data: unknown): string[] {
  if (!isFieldWise(key)) return [key];
  return flatten(data).map(([f]) => f);
}

/**
 * The fields a newer change touched: those whose value differs between the edit's base (the
 * mirror's value when the edit was made; undefined when the key had none) and the server's current.
 * A whole value that changed at all is one field, the key.
 * @example changedFields("limbic", { trust: 0.5, warmth: 0.5 }, { trust: 0.8, warmth: 0.5 }) // ["trust"]
 */
export function changedFields(key: string, base: unknown, current: unknown): string[] {
  if (!isFieldWise(key)) return sameJson(base, current) ? [] : [key];
  // A key with no value yet reads as its defaults, as the server's reducer starts from them.
  const defaults = key === "limbic" ? LIMBIC_DEFAULTS : CONVERGENCE_DEFAULTS;
  const before = new Map(flatten(base === undefined || base === null ? defaults : base));
  const after = new Map(flatten(current));
  const fields = new Set([...before.keys(), ...after.keys()]);
  return [...fields].filter((f) => !sameJson(before.get(f), after.get(f)));
}

/** The fields both changed. Empty: the edit can be rebased onto the newer value and sent again as is. */
export function overlappingFields(key: string, mine: unknown, base: unknown, current: unknown): string[] {
  const theirs = new Set(changedFields(key, base, current));
  return editedFields(key, mine).filter((f) => theirs.has(f));
}

/**
 * The edit without the given fields (what is left of it once the newer value wins those), or null
 * when nothing is left. Whole values leave nothing.
 * @example withoutFields("limbic", { trust: 0.1, warmth: 0.3 }, ["trust"]) // { warmth: 0.3 }
 */
export function withoutFields(key: string, data: unknown, fields: readonly string[]): Record<string, unknown> | null {
  if (!isFieldWise(key)) return null;
  const drop = new Set(fields);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (k === "answers" && key === "convergence" && isRecord(v)) {
      const answers = Object.fromEntries(Object.entries(v).filter(([q]) => !drop.has(`answers.${q}`)));
      if (Object.keys(answers).length) out.answers = answers;
    } else if (!drop.has(k)) out[k] = v;
  }
  return Object.keys(out).length ? out : null;
}

function isFieldWise(key: string): boolean {
  return key === "limbic" || key === "convergence";
}

/** Top-level fields, with convergence answers one field each. */
function flatten(value: unknown): [string, unknown][] {
  if (!isRecord(value)) return [];
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(value)) {
    if (k === "answers" && isRecord(v)) for (const [q, a] of Object.entries(v)) out.push([`answers.${q}`, a]);
    else out.push([k, v]);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
