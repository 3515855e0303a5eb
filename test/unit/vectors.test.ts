import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { reduce } from "../../client/reducers.js";
import { replay, vectorFiles, type Vector } from "../../scripts/vectors.js";

const DIR = fileURLToPath(new URL("../../docs/vectors/", import.meta.url));
const checkedIn = (): Vector[] => readdirSync(DIR).filter((f) => f.endsWith(".json")).sort().map((f) => JSON.parse(readFileSync(`${DIR}${f}`, "utf8")));

describe("docs/vectors: the server's reducers", () => {
  // `npm run contracts` runs this file with --update to write the files.
  it.each(Object.entries(vectorFiles()))("%s is what the reducers produce", async (name, text) => {
    await expect(text).toMatchFileSnapshot(`${DIR}${name}`);
  });

  it("holds no file the generator does not write", () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith(".json")).sort()).toEqual(Object.keys(vectorFiles()).sort());
  });
});

describe("docs/vectors: the client SDK's reducer", () => {
  for (const v of checkedIn()) {
    it(`${v.name}: the same state and versions after every event`, () => {
      const got = replay(v.events, (type, current, data, ctx) => reduce(type, current, data, ctx));
      got.forEach((after, i) => expect(after, `${v.name} after seq ${v.events[i]!.seq}`).toEqual(v.after[i]));
    });
  }
});
