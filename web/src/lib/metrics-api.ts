import { MetricsAnswer } from "../../../protocol/index.js";

export type MetricsResult = { ok: true; metrics: MetricsAnswer } | { ok: false; status: number; message: string };

/**
 * Reads a user's hub counters over the wire (`GET /api/sync/users/:userId/metrics`, a service token
 * with `sync:read`), as an operator's tool would. Only the developer view uses it.
 */
export async function fetchMetrics(userId: string, serviceToken: string): Promise<MetricsResult> {
  const res = await fetch(`/api/sync/users/${encodeURIComponent(userId)}/metrics`, { headers: { Authorization: `Bearer ${serviceToken}` } });
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: reported by status below
  }
  if (!res.ok) {
    const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
    return { ok: false, status: res.status, message: typeof message === "string" ? message : `HTTP ${res.status}` };
  }
  const parsed = MetricsAnswer.safeParse(body);
  return parsed.success ? { ok: true, metrics: parsed.data } : { ok: false, status: res.status, message: "the server's answer is not a metrics answer" };
}
