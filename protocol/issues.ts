/** A validation issue as sent on the wire: where, and what is wrong. */
export interface WireIssue {
  path: string;
  message: string;
}

interface ZodLikeIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * Turns zod issues into the wire form `{path, message}` with a dotted path.
 * @example toWireIssues(result.error.issues, ["data"]) // [{path: "data.trust", message: "..."}]
 */
export function toWireIssues(issues: readonly ZodLikeIssue[], prefix: PropertyKey[] = []): WireIssue[] {
  return issues.slice(0, 20).map((i) => ({
    path: [...prefix, ...i.path].map(String).join("."),
    message: i.message,
  }));
}
