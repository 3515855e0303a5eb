/**
 * Runs every protocol check against a running Nerve, section by section, and reports
 * `N passed, N failed, N skipped`.
 */
import { catchUp } from "./checks/catch-up.js";
import { closeCodes } from "./checks/close-codes.js";
import { connecting } from "./checks/connect.js";
import { httpErrors } from "./checks/http-errors.js";
import { httpRoutes } from "./checks/http.js";
import { messages } from "./checks/messages.js";
import { socketErrors } from "./checks/socket-errors.js";
import { Report } from "./report.js";
import { Target } from "./target.js";

export const SECTIONS: Record<string, (t: Target, r: Report, slow: boolean) => Promise<void>> = { http: httpRoutes, "http-errors": httpErrors, connect: connecting, "catch-up": catchUp, messages, "socket-errors": socketErrors, "close-codes": closeCodes };

export interface RunOptions {
  base: string;
  secret: string;
  /** Only checks whose section and name match. */
  only?: RegExp;
  /** Also the checks that take minutes (4010). */
  slow?: boolean;
  out?: (line: string) => void;
}

/** Runs the checks; a section whose setup throws counts as one failed check and the run goes on. */
export async function runConformance(o: RunOptions): Promise<Report> {
  const target = new Target(o.base, o.secret);
  const report = new Report(o.out, o.only);
  const status = await target.http("/api/sync/status").catch((err: Error) => err);
  if (status instanceof Error || status.status !== 200) {
    report.section("Reaching the server");
    await report.check(`GET ${o.base}/api/sync/status`, async () => {
      throw new Error(status instanceof Error ? `${status.message} (${String(status.cause ?? "")})` : `answered ${status.status}`);
    });
    return report;
  }
  for (const [name, section] of Object.entries(SECTIONS)) {
    try {
      await section(target, report, o.slow ?? false);
    } catch (err) {
      await report.check(`${name}: setup`, async () => {
        throw err;
      });
    } finally {
      await target.closeAll();
    }
  }
  // The checks' users are the run's own: erase them so a run leaves nothing behind on the server.
  const made = target.users.length;
  const left = await target.eraseUsers();
  const out = o.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  out(`\nerased the ${made} users this run made${left ? ` (${left} could not be erased)` : ""}`);
  return report;
}
