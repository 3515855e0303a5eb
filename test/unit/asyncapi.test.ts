import { Parser, type AsyncAPIDocumentInterface } from "@asyncapi/parser";
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { errorFrame } from "../../durable-objects/client-frame.js";
import { CLIENT_MESSAGE_TYPES, CloseCode, closeAction, ErrorCode, EVENT_TYPES } from "../../protocol/index.js";

const text = () => readFileSync(new URL("../../docs/schema/asyncapi.json", import.meta.url), "utf8");
// Spectral severities: 0 error, 1 warning, 2 information, 3 hint.
const serious = (diagnostics: { severity: number }[]) => diagnostics.filter((d) => d.severity <= 1);

let api: AsyncAPIDocumentInterface;
let raw: any;

beforeAll(async () => {
  const { document, diagnostics } = await new Parser().parse(text());
  expect(serious(diagnostics), JSON.stringify(serious(diagnostics), null, 2)).toEqual([]);
  api = document!;
  raw = JSON.parse(text());
}, 30_000);

describe("docs/schema/asyncapi.json (@asyncapi/parser)", () => {
  it("is a valid AsyncAPI 3.0 document", () => {
    expect(api.version()).toBe("3.0.0");
    expect(api.channels().all().map((c) => c.address())).toEqual(["/ws"]);
  });

  it("is refused when broken (the parser is not a no-op)", async () => {
    const broken = JSON.parse(text());
    broken.operations.receivePING.messages = [{ $ref: "#/channels/ws/messages/NOPE" }];
    const { document, diagnostics } = await new Parser().parse(broken);
    expect(document).toBeUndefined();
    expect(diagnostics.some((d) => d.severity === 0)).toBe(true);
  }, 30_000); // the parser (Spectral rules) takes seconds on a busy machine

  it("has one message per client message and server frame, and the text heartbeat", () => {
    const names = api.channels().get("ws")!.messages().all().map((m) => m.id()).sort();
    const expected = [
      ...CLIENT_MESSAGE_TYPES.map((t) => `client.${t}`),
      "WELCOME", "STATE", "EVENTS", "SYNCED", "PONG", "ACCEPTED", "ERROR", "DEVICE_CONNECTED", "DEVICE_DISCONNECTED",
      ...EVENT_TYPES, "text.ping", "text.pong",
    ].sort();
    expect(names).toEqual(expected);
  });

  it("receives every client message with its replies, and sends catch-up, events and presence", () => {
    for (const t of CLIENT_MESSAGE_TYPES) {
      const op = api.operations().get(`receive${t}`)!;
      expect(op.action(), t).toBe("receive");
      expect(op.messages().all().map((m) => m.id())).toEqual([`client.${t}`]);
      expect(op.reply()!.messages().all().map((m) => m.id())).toContain("ERROR");
    }
    expect(api.operations().get("receiveSTATE_SYNC")!.reply()!.messages().all().map((m) => m.id())).toEqual(["STATE", "ACCEPTED", "ERROR"]);
    const catchUp = api.operations().get("sendCatchUp")!.messages().all().map((m) => m.id());
    expect(catchUp[0]).toBe("WELCOME");
    expect(catchUp.at(-1)).toBe("SYNCED");
    expect(catchUp).toContain("EVENTS");
  });

  it("binds the WebSocket upgrade: GET with since, epoch, batch, topics and the other query parameters", () => {
    const ws = raw.channels.ws.bindings.ws;
    expect(ws.method).toBe("GET");
    expect(Object.keys(ws.query.properties).sort()).toEqual(["batch", "device", "epoch", "name", "platform", "since", "token", "topics"]);
    const ajv = new Ajv({ strict: false });
    const query = ajv.compile(ws.query);
    expect(query({ since: "12", epoch: "abc_1", batch: "1", topics: "state,shoots" })).toBe(true);
    expect(query({ since: "-1" })).toBe(false);
    expect(query({ batch: "yes" })).toBe(false);
    expect(query({ topics: "state,weather" })).toBe(false);
  });

  it("lists every close code with the action closeAction gives it, and the ranges for unknown codes", () => {
    const listed = raw.channels.ws["x-close-codes"] as { code: number; action: string }[];
    for (const code of Object.values(CloseCode)) expect(listed.find((c) => c.code === code), String(code)).toEqual(expect.objectContaining({ action: closeAction(code) }));
    expect(raw.channels.ws["x-close-ranges"]).toEqual([
      { from: 4100, to: 4199, action: "stop" }, { from: 4200, to: 4299, action: "refresh" },
      { from: 4300, to: 4399, action: "backoff" }, { from: 4400, to: 4499, action: "reconnect" },
    ]);
    const errors = raw["x-error-codes"] as { code: string; retryable: boolean }[];
    expect(errors.map((e) => e.code).sort()).toEqual(Object.values(ErrorCode).sort());
    expect(errors.find((e) => e.code === "RATE_LIMITED")!.retryable).toBe(true);
  });

  it("payloads accept the frames the server builds and refuse bad client messages", () => {
    const ajv = new Ajv({ strict: false });
    const payload = (id: string) => ajv.compile(api.channels().get("ws")!.messages().get(id)!.payload()!.json());
    expect(payload("ERROR")(errorFrame("m1", ErrorCode.RATE_LIMITED, "slow", { retryAfterMs: 5 }))).toBe(true);
    expect(payload("SYNCED")({ type: "SYNCED", seq: 3 })).toBe(true);
    expect(payload("SYNCED")({ type: "SYNCED" })).toBe(false);
    expect(payload("client.ACK")({ type: "ACK", data: { seq: 1 } })).toBe(true);
    expect(payload("client.ACK")({ type: "ACK", baseVersion: 1, data: { seq: 1 } })).toBe(false);
    expect(payload("client.LIMBIC_UPDATE")({ type: "LIMBIC_UPDATE", data: { trust: 2 } })).toBe(false);
  });
});
