import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { TestProject } from "vitest/node";

/** The key the worker signs processor requests with in the dream-processor test project. */
export const DREAM_PROCESSOR_TEST_SECRET = "dream-processor-test-secret-0123456789";

declare module "vitest" {
  export interface ProvidedContext {
    dreamProcessorUrl: string;
  }
}

interface Received {
  userId: string | null;
  cycleId: string | null;
  timestamp: string | null;
  signature: string | null;
  /** Checked here, in Node, independently of the worker's own signing code. */
  validSignature: boolean;
  body: unknown;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function verify(timestamp: string | null, signature: string | null, raw: string): boolean {
  if (!timestamp || !signature) return false;
  const expected = `v1=${createHmac("sha256", DREAM_PROCESSOR_TEST_SECRET).update(`${timestamp}.${raw}`).digest("hex")}`;
  return expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
}

/**
 * A real HTTP dream processor for the worker tests, in Node. `POST /process` records the request
 * and answers 202, or 500 for users whose id starts with "fail"; `GET /received?userId=` lists
 * what it got for a user. The test then answers through `POST /api/sync/dream-result`, as a real
 * processor would.
 */
export default async function setup(project: TestProject) {
  const received: Received[] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "POST" && url.pathname === "/process") {
      const raw = await readBody(req);
      let body: { userId?: unknown; cycleId?: unknown } | null = null;
      try {
        body = JSON.parse(raw) as { userId?: unknown; cycleId?: unknown };
      } catch {
        body = null;
      }
      const timestamp = req.headers["x-nerve-timestamp"];
      const signature = req.headers["x-nerve-signature"];
      const entry: Received = {
        userId: typeof body?.userId === "string" ? body.userId : null,
        cycleId: typeof body?.cycleId === "string" ? body.cycleId : null,
        timestamp: typeof timestamp === "string" ? timestamp : null,
        signature: typeof signature === "string" ? signature : null,
        validSignature: verify(typeof timestamp === "string" ? timestamp : null, typeof signature === "string" ? signature : null, raw),
        body,
      };
      received.push(entry);
      res.writeHead(entry.userId?.startsWith("fail") ? 500 : 202, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ accepted: !entry.userId?.startsWith("fail") }));
      return;
    }
    if (req.method === "GET" && url.pathname === "/received") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(received.filter((r) => r.userId === url.searchParams.get("userId"))));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the dream processor test server has no port");
  project.provide("dreamProcessorUrl", `http://127.0.0.1:${address.port}/process`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
