import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ServerFrame } from "../../protocol/index.js";
import { transcriptFiles, transcripts } from "../../scripts/transcripts.js";

const DIR = fileURLToPath(new URL("../../docs/vectors/catch-up/", import.meta.url));

describe("docs/vectors/catch-up: the catch-up transcripts", () => {
  // `npm run contracts` runs this file with --update to write the files; test/worker/catch-up-transcripts.test.ts proves them on the hub.
  it.each(Object.entries(transcriptFiles()))("%s is what scripts/transcripts.ts writes", async (name, text) => {
    await expect(text).toMatchFileSnapshot(`${DIR}${name}`);
  });

  it("holds no file the generator does not write", () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith(".json")).sort()).toEqual(Object.keys(transcriptFiles()).sort());
  });

  it("every frame is a valid server frame, WELCOME first, SYNCED last", () => {
    for (const t of transcripts()) {
      for (const f of t.frames) expect(ServerFrame.safeParse(f).success, `${t.name} ${JSON.stringify(f)}`).toBe(true);
      expect(t.frames[0]!.type).toBe("WELCOME");
      expect(t.frames.at(-1)).toEqual({ type: "SYNCED", seq: t.log.length });
    }
  });
});
