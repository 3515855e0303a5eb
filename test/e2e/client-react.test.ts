/**
 * The React bindings in a DOM against a real `wrangler dev`: hooks render live updates as they
 * arrive. A happy-dom window supplies the browser parts (document, localStorage, window events);
 * fetch and WebSocket stay Node's, so requests are not subject to a page origin.
 */
import { Window } from "happy-dom";
import { createElement as h, useState } from "react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const win = new Window({ url: "http://localhost/" });
for (const [key, value] of Object.entries({
  window: win, document: win.document, localStorage: win.localStorage, IS_REACT_ACT_ENVIRONMENT: true,
  addEventListener: win.addEventListener.bind(win), removeEventListener: win.removeEventListener.bind(win),
})) Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
// Testing Library reads `document` when it is first imported.
const { cleanup, render: rtlRender, screen, waitFor } = await import("@testing-library/react");

/** Renders inside act, then lets updates arrive as in an app: from the network, outside act. */
function render(ui: Parameters<typeof rtlRender>[0]) {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
  const result = rtlRender(ui);
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
  return result;
}
import { createNerveClient, type NerveClient, type WebSocketFactory } from "../../client/index.js";
import { NerveProvider, useDevices, useDreams, useNerveEvent, useNerveState, useNerveStatus, useShootProgress } from "../../client/react.js";
import { http, startNerve, type Nerve } from "./harness.js";

let nerve: Nerve;
let service: string;
const clients: NerveClient[] = [];

beforeAll(async () => {
  nerve = await startNerve();
  service = await nerve.serviceToken();
});
afterEach(() => cleanup());
afterAll(async () => {
  for (const c of clients) await c.close();
  await nerve?.stop();
  await win.happyDOM.close();
});

function Dashboard() {
  const { status, quality } = useNerveStatus();
  const { isProcessing, progressPercentage, progress, isComplete } = useShootProgress("s1");
  const credits = useNerveState("credits");
  const devices = useDevices();
  const dreams = useDreams();
  const [lastPrompt, setLastPrompt] = useState("none");
  useNerveEvent("PROMPT_CHANGE", (e) => setLastPrompt(`${e.seq}:${e.data.promptId}`));
  return h("div", null,
    h("p", { "data-testid": "status" }, status),
    h("p", { "data-testid": "quality" }, quality > 0 ? "measured" : "none"),
    h("p", { "data-testid": "shoot" }, progress ? `${progressPercentage}% ${isProcessing ? "processing" : isComplete ? "complete" : progress.status}` : "no shoot"),
    h("p", { "data-testid": "credits" }, credits ? String(credits.newBalance) : "no credits"),
    h("p", { "data-testid": "devices" }, devices.map((d) => `${d.deviceId}:${d.online ? "on" : "off"}`).join(",")),
    h("p", { "data-testid": "dreams" }, dreams === undefined ? "no dreams" : "dreams"),
    h("p", { "data-testid": "prompt" }, lastPrompt),
  );
}

// The project's types are the Workers', without the DOM lib: read the text through a narrow view.
const text = (id: string) => (screen.getByTestId(id) as unknown as { textContent: string | null }).textContent;

async function post(path: string, body: unknown) {
  const r = await http(nerve.url, path, { token: service, body });
  expect(r.status).toBe(202);
}

describe("React hooks against a live server", () => {
  it("render status, shoot progress, credits and devices as they change", async () => {
    const user = `react-${Date.now().toString(36)}`;
    const client = createNerveClient({ url: nerve.wsUrl, getToken: () => nerve.userToken(user), deviceId: "browser", name: "Browser" });
    clients.push(client);
    render(h(NerveProvider, { client }, h(Dashboard)));
    expect(["connecting", "connected"]).toContain(text("status"));
    await waitFor(() => expect(text("status")).toBe("connected"), { timeout: 10_000 });
    expect(text("shoot")).toBe("no shoot");
    expect(text("dreams")).toBe("no dreams");
    await waitFor(() => expect(text("devices")).toBe("browser:on"), { timeout: 10_000 });

    await post("/api/sync/shoot-progress", { userId: user, shootId: "s1", status: "processing", processedCount: 25, totalCount: 100 });
    await waitFor(() => expect(text("shoot")).toBe("25% processing"), { timeout: 10_000 });
    await post("/api/sync/shoot-progress", { userId: user, shootId: "s1", status: "completed", processedCount: 100, totalCount: 100 });
    await waitFor(() => expect(text("shoot")).toBe("100% complete"), { timeout: 10_000 });

    await post("/api/sync/credit-update", { userId: user, newBalance: 990, change: -10, reason: "cull" });
    await waitFor(() => expect(text("credits")).toBe("990"), { timeout: 10_000 });
    await waitFor(() => expect(text("quality")).toBe("measured"), { timeout: 10_000 });

    await post("/api/sync/prompt-change", { userId: user, promptId: "p9", action: "created", title: "New" });
    await waitFor(() => expect(text("prompt")).toBe("4:p9"), { timeout: 10_000 });

    // Browser default storage: the cursor and its epoch went to localStorage under the user's key, in one record.
    await waitFor(() => expect(JSON.parse(localStorage.getItem(`nerve:u:${user}:sync`) ?? "null")).toMatchObject({ v: 1, seq: 4, epoch: expect.stringMatching(/^[A-Za-z0-9_-]{1,32}$/) }), { timeout: 10_000 });

    // A second device appears in the list, then goes.
    const other = createNerveClient({ url: nerve.wsUrl, getToken: () => nerve.userToken(user), deviceId: "phone", platform: "ios", storagePrefix: "nerve-phone" });
    clients.push(other);
    await waitFor(() => expect(text("devices")).toBe("browser:on,phone:on"), { timeout: 10_000 });
    await other.close();
    await waitFor(() => expect(text("devices")).toBe("browser:on,phone:off"), { timeout: 10_000 });

    await client.close();
    await waitFor(() => expect(text("status")).toBe("closed"), { timeout: 10_000 });
  });

  it("a window `online` event brings an offline client back", async () => {
    const user = `react-online-${Date.now().toString(36)}`;
    let port = nerve.port;
    const client = createNerveClient({
      url: nerve.wsUrl, getToken: () => nerve.userToken(user), storagePrefix: "nerve-online", maxRetries: 1,
      backoff: { minDelayMs: 20, maxDelayMs: 40 },
      // A browser whose network is gone: every attempt goes to a closed port until it is back.
      WebSocket: class extends (globalThis.WebSocket as unknown as WebSocketFactory) {
        constructor(url: string, protocols?: string | string[]) {
          super(url.replace(`:${nerve.port}/`, `:${port}/`), protocols);
        }
      },
    });
    clients.push(client);
    render(h(NerveProvider, { client }, h(Dashboard)));
    await waitFor(() => expect(text("status")).toBe("connected"), { timeout: 10_000 });
    port = 1; // nothing listens there
    client.reconnect();
    await waitFor(() => expect(text("status")).toBe("offline"), { timeout: 10_000 });
    port = nerve.port;
    win.dispatchEvent(new win.Event("online"));
    await waitFor(() => expect(text("status")).toBe("connected"), { timeout: 10_000 });
  });
});
