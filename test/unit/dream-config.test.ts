import { describe, expect, it } from "vitest";
import { DreamConfigError, processorProblem, readDreamConfig } from "../../durable-objects/dream/config.js";

describe("processorProblem", () => {
  it("accepts https, and plain http on loopback hosts only", () => {
    for (const url of ["https://p.example/dream", "http://127.0.0.1:9000/process", "http://localhost/x", "http://[::1]:8080/", "http://127.1.2.3/"]) {
      expect(processorProblem(url, "processor-secret", "jwt-secret")).toBeNull();
    }
    for (const url of ["http://p.example/dream", "http://localhost.evil.example/", "http://10.0.0.1/", "ftp://p.example/", "not a url"]) {
      expect(processorProblem(url, "processor-secret", "jwt-secret")).toMatch(/^invalid DREAM_PROCESSOR_URL ".*": expected (an )?https/);
    }
  });

  it("requires a processor secret of its own", () => {
    expect(processorProblem("https://p.example/", null, "jwt-secret")).toBe("DREAM_PROCESSOR_URL is set but DREAM_PROCESSOR_SECRET is not: give the processor a secret of its own");
    expect(processorProblem("https://p.example/", "same", "same")).toBe("DREAM_PROCESSOR_SECRET must differ from JWT_SECRET: the processor must not hold the token signing key");
  });
});

describe("readDreamConfig", () => {
  it("no longer falls back to JWT_SECRET", () => {
    expect(readDreamConfig({ JWT_SECRET: "s" })).toMatchObject({ processorUrl: null, processorSecret: null });
    expect(readDreamConfig({ DREAM_PROCESSOR_URL: "https://p.example/", DREAM_PROCESSOR_SECRET: "p", JWT_SECRET: "s" }))
      .toMatchObject({ processorUrl: "https://p.example/", processorSecret: "p" });
  });

  it("reads a misconfigured processor without throwing, and throws where the processor is used", () => {
    const config = readDreamConfig({ DREAM_PROCESSOR_URL: "https://p.example/", DREAM_PROCESSOR_SECRET: "s", JWT_SECRET: "s" });
    expect(config.chunkSize).toBe(2000);
    expect(() => config.processorUrl).toThrow(DreamConfigError);
    expect(() => config.processorSecret).toThrow("dream processor misconfigured: DREAM_PROCESSOR_SECRET must differ from JWT_SECRET");
  });

  it("still throws at once on a malformed number", () => {
    expect(() => readDreamConfig({ DREAM_CHUNK_SIZE: "many" })).toThrow('invalid DREAM_CHUNK_SIZE "many"');
  });
});
