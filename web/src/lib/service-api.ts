import * as z from "zod/mini";
import { ShootProgressBody } from "../../../protocol/index.js";
import { getSession } from "./session.js";

/** The service endpoints the tester's form can call, with a template body for each. */
export const SERVICE_ENDPOINTS = ["shoot-progress", "credit-update", "prompt-change", "state", "dream", "dream-result"] as const;
export type ServiceEndpoint = (typeof SERVICE_ENDPOINTS)[number];

export interface ServiceAnswer {
  status: number;
  body: unknown;
  ms: number;
}

/**
 * POSTs a service event (`/api/sync/<endpoint>`) with a service token: what a processing service
 * does. Only the tester and the dev demo use it; the app itself talks through the client SDK.
 */
export async function postService(endpoint: ServiceEndpoint, body: unknown, token: string, idempotencyKey?: string): Promise<ServiceAnswer> {
  const started = performance.now();
  const headers: Record<string, string> = { "Content-Type": "application/json", Authorization: `Bearer ${token}` };
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  const res = await fetch(`/api/sync/${endpoint}`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: show the text as is
  }
  return { status: res.status, body: parsed, ms: Math.round(performance.now() - started) };
}

const Accepted = z.object({ seq: z.int(), delivered: z.int() });

/**
 * Plays a whole shoot as a processing service would: queued, a tick per image batch, completed.
 * Dev sign-in only (it needs the session's service token). Resolves when the last tick is accepted.
 */
export async function runDemoShoot(shootId: string, options: { total?: number; stepMs?: number; fail?: boolean } = {}): Promise<void> {
  const session = getSession();
  if (!session?.serviceToken) throw new Error("the demo needs a dev sign-in (it publishes with a service token)");
  const total = options.total ?? 120;
  const stepMs = options.stepMs ?? 700;
  const steps = 12;
  const send = async (data: Record<string, unknown>) => {
    const body = ShootProgressBody.parse({ userId: session.userId, shootId, totalCount: total, provider: "Kull Vision", ...data });
    const answer = await postService("shoot-progress", body, session.serviceToken!);
    if (!Accepted.safeParse(answer.body).success) throw new Error(`shoot-progress refused: HTTP ${answer.status}`);
  };
  await send({ status: "queued", processedCount: 0, eta: Math.round((steps * stepMs) / 1000) });
  for (let i = 1; i <= steps; i++) {
    await new Promise((r) => setTimeout(r, stepMs));
    const processed = Math.round((total * i) / steps);
    if (options.fail && i === Math.round(steps * 0.6)) {
      await send({ status: "failed", processedCount: processed, currentImage: `IMG_${String(processed).padStart(4, "0")}.CR3`, errorMessage: "The provider timed out on a corrupted RAW file (IMG_" + String(processed).padStart(4, "0") + ".CR3)." });
      return;
    }
    const done = i === steps;
    await send({
      status: done ? "completed" : "processing",
      processedCount: processed,
      currentImage: `IMG_${String(processed).padStart(4, "0")}.CR3`,
      eta: done ? 0 : Math.round(((steps - i) * stepMs) / 1000),
    });
  }
}
