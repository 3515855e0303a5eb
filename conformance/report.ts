/**
 * The conformance run's ledger: each check passes, fails (with why) or is skipped (with why, when
 * it cannot be provoked remotely in reasonable time). Prints a line per check and the summary line
 * `N passed, N failed, N skipped`.
 */
export type Status = "passed" | "failed" | "skipped";
export interface Outcome { group: string; name: string; status: Status; detail?: string; ms: number }

export class Report {
  readonly outcomes: Outcome[] = [];
  private group = "";

  constructor(private readonly out: (line: string) => void = (l) => process.stdout.write(`${l}\n`), private readonly only?: RegExp) {}

  /** Starts a group of checks (a section of docs/protocol.md). */
  section(title: string): void {
    this.group = title;
    this.out(`\n${title}`);
  }

  /** Runs one check; a thrown error (an assertion) fails it, a timeout too. */
  async check(name: string, run: () => Promise<void>, timeoutMs = 30_000): Promise<boolean> {
    if (this.only && !this.only.test(`${this.group} ${name}`)) return true;
    const start = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        run(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      this.record({ group: this.group, name, status: "passed", ms: Date.now() - start });
      return true;
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this.record({ group: this.group, name, status: "failed", detail, ms: Date.now() - start });
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A check this run does not make, and why (printed, and counted as skipped, never as passed). */
  skip(name: string, why: string): void {
    if (this.only && !this.only.test(`${this.group} ${name}`)) return;
    this.record({ group: this.group, name, status: "skipped", detail: why, ms: 0 });
  }

  private record(o: Outcome): void {
    this.outcomes.push(o);
    const mark = o.status === "passed" ? "  ok  " : o.status === "failed" ? "  FAIL" : "  skip";
    this.out(`${mark} ${o.name}${o.detail ? `: ${o.detail.split("\n").join("\n        ")}` : ""}`);
  }

  count(status: Status): number {
    return this.outcomes.filter((o) => o.status === status).length;
  }

  /** `N passed, N failed, N skipped` */
  summary(): string {
    return `${this.count("passed")} passed, ${this.count("failed")} failed, ${this.count("skipped")} skipped`;
  }
}
