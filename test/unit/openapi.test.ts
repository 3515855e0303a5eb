import SwaggerParser from "@apidevtools/swagger-parser";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ErrorStatus } from "../../protocol/index.js";

const document = () => JSON.parse(readFileSync(new URL("../../docs/schema/openapi.json", import.meta.url), "utf8"));

describe("docs/schema/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document (swagger-parser)", async () => {
    const api = (await SwaggerParser.validate(document())) as { openapi?: string };
    expect(api.openapi).toBe("3.1.0");
  });

  it("fails validation when broken (the validator is not a no-op)", async () => {
    const broken = document();
    broken.paths["/api/me"].get.responses["200"].content["application/json"].schema = { $ref: "#/components/schemas/Nope" };
    await expect(SwaggerParser.validate(broken)).rejects.toThrow();
  });

  it("names every route of the contract and every error status", () => {
    const doc = document();
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/api/me", "/api/me/events", "/api/me/state/{key}", "/api/sync/batch", "/api/sync/broadcast", "/api/sync/broadcasts/{id}", "/api/sync/credit-update", "/api/sync/dream", "/api/sync/dream-result",
      "/api/sync/prompt-change", "/api/sync/sealed", "/api/sync/shoot-progress", "/api/sync/state", "/api/sync/status", "/api/sync/users/{userId}",
      "/api/sync/users/{userId}/metrics", "/api/sync/users/{userId}/state/{key}",
    ]);
    const statuses = new Set(Object.values(ErrorStatus).filter((s) => s !== 426).map(String));
    for (const s of statuses) expect(Object.keys(doc.components.responses)).toContain(`E${s}`);
  });
});
