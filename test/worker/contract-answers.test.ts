/**
 * The server's real HTTP answers match the answer schemas that docs/schema and the OpenAPI document
 * are generated from, and GET /api/openapi.json serves the checked-in document.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import openapi from "../../docs/schema/openapi.json";
import {
  BatchAnswer, DreamAnswer, EraseAnswer, ErrorBodySchema, EventsPageAnswer, FanoutAnswer, MeSnapshot, PublishAnswer, StatusAnswer, UserSnapshot,
} from "../../protocol/contract-schemas.js";
import { MetricsAnswer } from "../../protocol/index.js";
import { api, serviceToken, shoot, uniqueUser, userToken } from "./helpers.js";

const conforms = (schema: z.ZodMiniType, value: unknown) => {
  const r = schema.safeParse(value);
  return r.success ? true : r.error.issues;
};

describe("HTTP answers match protocol/contract-schemas.ts", () => {
  it("for every route's success and an error", async () => {
    const user = uniqueUser("contract");
    const token = await serviceToken();
    expect(conforms(StatusAnswer, (await api("/api/sync/status")).json)).toBe(true);
    expect(conforms(PublishAnswer, (await api("/api/sync/shoot-progress", { token, body: shoot(user, "s1", 1) })).json)).toBe(true);
    expect(conforms(PublishAnswer, (await api("/api/sync/state", { token, body: { userId: user, limbic: { trust: 0.2 } } })).json)).toBe(true);
    expect(conforms(FanoutAnswer, (await api("/api/sync/prompt-change", { token, body: { userIds: [user], promptId: "p", action: "created" } })).json)).toBe(true);
    expect(conforms(BatchAnswer, (await api("/api/sync/batch", { token, body: { events: [{ userId: user, type: "CREDIT_UPDATE", data: { newBalance: 1, change: 1, reason: "r" } }, { userId: user, type: "NOPE", data: {} }] } })).json)).toBe(true);
    expect(conforms(DreamAnswer, (await api("/api/sync/dream", { token, body: { userId: user } })).json)).toBe(true);
    expect(conforms(UserSnapshot, (await api(`/api/sync/users/${user}`, { token })).json)).toBe(true);
    expect(conforms(MetricsAnswer, (await api(`/api/sync/users/${user}/metrics`, { token })).json)).toBe(true);
    const ut = await userToken(user);
    expect(conforms(MeSnapshot, (await api("/api/me", { token: ut })).json)).toBe(true);
    expect(conforms(EventsPageAnswer, (await api("/api/me/events?since=0", { token: ut })).json)).toBe(true);
    const bad = await api("/api/sync/credit-update", { token, body: { userId: user } });
    expect(conforms(ErrorBodySchema, bad.json)).toBe(true);
    expect(bad.json).toMatchObject({ error: { retryable: false } });
    expect(conforms(EraseAnswer, (await api(`/api/sync/users/${user}`, { method: "DELETE", token })).json)).toBe(true);
  });

  it("GET /api/openapi.json serves the checked-in OpenAPI document, with no token", async () => {
    const res = await api("/api/openapi.json");
    expect(res.status).toBe(200);
    expect(res.json).toEqual(openapi);
    expect(res.json).toMatchObject({ openapi: "3.1.0" });
  });
});
