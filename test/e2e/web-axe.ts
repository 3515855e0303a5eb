/**
 * An accessibility check for the browser tests: axe-core (a devDependency) injected into the page
 * and run against WCAG 2 A and AA, colour contrast included. Returns the violations in a form that
 * reads well in a failed assertion.
 */
import { createRequire } from "node:module";
import type { Frame, Page } from "playwright-core";

const AXE_PATH = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Runs axe on the page (or frame) and returns its WCAG 2 A/AA violations; `[]` when there are none. */
export async function axeViolations(target: Page | Frame): Promise<AxeViolation[]> {
  const has = await target.evaluate("typeof window.axe !== 'undefined'");
  if (!has) await target.addScriptTag({ path: AXE_PATH });
  // Animations settle first: a half-faded element has the contrast of neither end. Each finite one
  // is waited for to its end (a fixed 400 ms was shorter than the 0.6 s bump on a loaded machine);
  // endless ones (a spinner) are not, and 3 s bounds the wait.
  await target.evaluate(`Promise.race([
    Promise.all(document.getAnimations().filter((a) => a.effect?.getTiming().iterations !== Infinity).map((a) => a.finished.catch(() => {}))),
    new Promise((r) => setTimeout(r, 3000)),
  ])`);
  const result = await target.evaluate(`window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, resultTypes: ["violations"] })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + (n.failureSummary || "").split("\\n").slice(0, 2).join(" ")) })))`);
  return result as AxeViolation[];
}
