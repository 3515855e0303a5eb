import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { errorFrame } from "../../durable-objects/client-frame.js";
import { ErrorCode } from "../../protocol/index.js";
import { contractDocuments, contractFiles } from "../../scripts/contracts.js";

const SCHEMA_DIR = fileURLToPath(new URL("../../docs/schema/", import.meta.url));

describe("docs/schema: generated from protocol/", () => {
  // `npm run contracts` runs this file with --update to write the files.
  it.each(Object.entries(contractFiles()))("%s is what protocol/ generates", async (name, text) => {
    await expect(text).toMatchFileSnapshot(`${SCHEMA_DIR}${name}`);
  });

  it("holds no file protocol/ does not generate", () => {
    const files = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith(".json")).sort();
    expect(files).toEqual(Object.keys(contractFiles()).sort());
  });
});

describe("docs/schema: the documents describe the wire", () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const docs = contractDocuments();
  for (const doc of Object.values(docs)) ajv.addSchema(doc);
  const check = (file: string, def: string, value: unknown) => {
    const validate = ajv.getSchema(`https://nerve.dev/schema/${file}.json#/$defs/${def}`);
    if (!validate) throw new Error(`no schema ${file}#${def}`);
    return validate(value) ? true : validate.errors;
  };

  it("are valid JSON Schema 2020-12", () => {
    for (const doc of Object.values(docs)) expect(ajv.validateSchema(doc)).toBe(true);
  });

  it("accept the doc's client messages and refuse bad ones", () => {
    expect(check("client-messages", "LIMBIC_UPDATE", { type: "LIMBIC_UPDATE", id: "m1", baseVersion: 3, data: { trust: 0.9 } })).toBe(true);
    expect(check("client-messages", "STATE_SYNC", { type: "STATE_SYNC" })).toBe(true);
    expect(check("client-messages", "LIMBIC_UPDATE", { type: "LIMBIC_UPDATE", data: { trust: 2 } })).not.toBe(true);
    expect(check("client-messages", "ACK", { type: "ACK", baseVersion: 1, data: { seq: 1 } })).not.toBe(true);
    expect(check("client-messages", "PING", { type: "PING", data: { t: 1 }, extra: 1 })).not.toBe(true);
  });

  it("accept the frames the server builds, with fields a newer server may add", () => {
    expect(check("server-frames", "ERROR", errorFrame("m1", ErrorCode.RATE_LIMITED, "slow down", { retryAfterMs: 10 }))).toBe(true);
    expect(check("server-frames", "SHOOT_PROGRESS", {
      type: "SHOOT_PROGRESS", seq: 1, ts: 1, from: "svc", data: { shootId: "s1", status: "processing", processedCount: 1, totalCount: 2, later: true },
    })).toBe(true);
    expect(check("server-frames", "SHOOT_PROGRESS", { type: "SHOOT_PROGRESS", seq: 0, ts: 1, from: "svc", data: {} })).not.toBe(true);
  });

  it("describe state values and HTTP bodies", () => {
    expect(check("state", "limbic", { trust: 0.5, warmth: 0.5, arousal: 0.5, valence: 0.5, posture: 0.5, empathy: 0.5, intuition: 0.5, creativity: 0.5, wisdom: 0.5, humor: 0.5 })).toBe(true);
    expect(check("state", "dreams", { schedule: null, current: null, queue: [], history: [] })).toBe(true);
    expect(check("http-requests", "CreditUpdateBody", { userId: "alice", newBalance: 10, change: -1, reason: "shoot" })).toBe(true);
    expect(check("http-requests", "CreditUpdateBody", { userId: "bad id", newBalance: 10, change: -1, reason: "shoot" })).not.toBe(true);
    expect(check("http-responses", "ErrorBody", { error: { code: "NOT_FOUND", message: "no route", retryable: false } })).toBe(true);
  });
});
