import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

import { TEST_JWT_SECRET } from "./test/test-secret.js";
import { DREAM_PROCESSOR_TEST_SECRET } from "./test/worker/dream-processor.setup.js";

const workerBindings = {
  JWT_SECRET: TEST_JWT_SECRET,
  ALLOWED_ORIGINS: "https://app.example.com",
  EVENT_RETENTION_COUNT: "200",
  // Dream tests step cycles one alarm at a time (runDurableObjectAlarm), so no step runs by itself.
  DREAM_STEP_DELAY_MS: "3600000",
  // The pool also reads .dev.vars, which `npm start` writes with DEV_SIGN_IN=1: tests run as a
  // deployment without the dev sign-in, whatever the developer's machine holds.
  DEV_SIGN_IN: "",
};

/** The e2e files that write client/dist (see the e2e-client-dist project). */
const E2E_CLIENT_DIST = ["test/e2e/client-pack.test.ts", "test/e2e/client-package.test.ts", "test/e2e/client-browser.test.ts"];

/**
 * A broadcast to 10,000 users through the local queue simulation (npm run test:broadcast-scale, which
 * sets NERVE_BROADCAST_SCALE=1): it prints delivery time and hub calls. Not in a plain `vitest run`:
 * every new local hub is a new SQLite file, so it takes minutes on a quiet machine and far longer on
 * a loaded one (npm run bench:broadcast measures the same on /dev/shm).
 */
const broadcastScale = process.env.NERVE_BROADCAST_SCALE === "1"
  ? [{
    plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings: workerBindings } })],
    test: { name: "worker-scale", include: ["test/worker-scale/**/*.test.ts"], testTimeout: 1_800_000 },
  }]
  : [];

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: workerBindings },
          }),
        ],
        test: {
          name: "worker", include: ["test/worker/**/*.test.ts"], exclude: ["test/worker/dream-processor.test.ts", "test/worker/dream-scale.test.ts", "test/worker/jwks-identity.test.ts", "test/worker/dream-misconfig.test.ts"], testTimeout: 20_000,
          // One workerd runtime for the files a worker runs, not a new one per file (a fresh runtime
          // and module graph per file was two thirds of this project's time). Storage is shared
          // across files as it is across tests: every test names Durable Objects of its own.
          isolate: false,
        },
      },
      {
        // Dream cycles with an external processor (a real HTTP server in Node, from globalSetup, its URL
        // injected as a binding) and a retention that holds a 100k-event history.
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ...workerBindings,
                EVENT_RETENTION_COUNT: "200000",
                DREAM_PROCESSOR_URL: inject("dreamProcessorUrl"),
                DREAM_PROCESSOR_SECRET: DREAM_PROCESSOR_TEST_SECRET,
                DREAM_PROCESSOR_TIMEOUT_MS: "1500",
              },
            },
          })),
        ],
        test: {
          name: "worker-dream",
          include: ["test/worker/dream-processor.test.ts", "test/worker/dream-scale.test.ts"],
          globalSetup: ["test/worker/dream-processor.setup.ts"],
          testTimeout: 120_000,
        },
      },
      ...broadcastScale,
      {
        // A dream processor URL without a secret of its own: a config error only dream cycles may feel.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { ...workerBindings, DREAM_PROCESSOR_URL: "https://processor.example/dream" } },
          }),
        ],
        test: { name: "worker-dream-misconfig", include: ["test/worker/dream-misconfig.test.ts"], testTimeout: 20_000 },
      },
      {
        // JWKS mode: tokens from a local identity provider (a Node HTTP server from globalSetup serving
        // RS256 and ES256 public keys), its URL injected as JWT_JWKS_URL. SERVICE_AUDIENCE is unset here.
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { ...workerBindings, JWT_JWKS_URL: inject("jwksUrl"), JWT_ISSUER: "https://idp.test/", JWT_AUDIENCE: "nerve-app" } },
          })),
        ],
        test: {
          name: "worker-jwks",
          include: ["test/worker/jwks-identity.test.ts"],
          globalSetup: ["test/worker/jwks.setup.ts"],
          testTimeout: 20_000,
        },
      },
      {
        // Real processes (wrangler dev on free ports, Chromium, the CLI), each file with servers and
        // users of its own. Two files at a time: they mostly wait (timers, sockets, the browser), and
        // more would crowd two cores. maxConcurrency: how many tests of a suite marked concurrent
        // (describe.concurrent) run at once.
        test: {
          name: "e2e", include: ["test/e2e/**/*.test.ts"], exclude: E2E_CLIENT_DIST, environment: "node", testTimeout: 90_000, hookTimeout: 90_000,
          maxWorkers: 2, maxConcurrency: 2,
          // expect.poll waits 10 s, not vitest's 1 s: a page re-rendering, or a reconnect, on a loaded
          // CI machine takes longer than a second (a reconnect took 649 ms there); a poll that
          // holds returns as soon as it holds.
          expect: { poll: { timeout: 10_000 } },
          // Its own group (another worker count than the in-process projects): in a plain `vitest run`
          // it starts after them; `npm test` runs it in a process of its own beside them (scripts/test-runs.mjs).
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The e2e files that build the SDK into the repo's client/dist (npm pack empties it first):
        // one at a time, so that none reads it half written. Nothing else uses client/dist, so
        // `npm test` runs them beside the e2e project (scripts/test-runs.mjs).
        test: { name: "e2e-client-dist", include: E2E_CLIENT_DIST, environment: "node", testTimeout: 90_000, hookTimeout: 90_000, fileParallelism: false },
      },
    ],
  },
});
