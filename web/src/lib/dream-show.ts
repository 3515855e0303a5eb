import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useNerveClient } from "../../../client/react.js";
import type { DreamPhase } from "../../../protocol/index.js";

/** Each step of a cycle stays on screen at least this long: a whole cycle can take 60 ms. */
export const MIN_STEP_MS = 1500;
/** The end of a cycle (report ready, failed, cancelled) stays this long before the card rests. */
const END_HOLD_MS = 5000;
/** A step heard this long after it happened is history, not something to play. */
const STALE_STEP_MS = 30_000;

export type DreamStage = "queued" | DreamPhase | "done" | "failed" | "cancelled";

export interface DreamStep {
  cycleId: string;
  stage: DreamStage;
  /** Who started it (DREAM_QUEUED's `from`). */
  from?: string;
  processed?: number;
  total?: number;
  error?: string;
}

/**
 * The cycle's steps as this device heard them live, played back with a minimum time each, so
 * "queued", every phase and "ready" are each seen, in order, and the "ready" notice comes with the
 * last step rather than together with "queued". `onStep` runs when a step comes on screen.
 */
export function useDreamShow(onStep?: (step: DreamStep) => void): { step: DreamStep | null; started: (cycleId: string) => void } {
  const client = useNerveClient();
  const queue = useRef<DreamStep[]>([]);
  const [shown, setShown] = useState<DreamStep | null>(null);
  const shownAt = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const stepRef = useRef(onStep);
  stepRef.current = onStep;
  const pushRef = useRef<(step: DreamStep) => void>(() => {});

  // A step's time counts from when it is on screen (its commit), not from when it was picked: a busy
  // page renders a step late now and then, and the next one must still not follow it sooner.
  useLayoutEffect(() => {
    if (shown) shownAt.current = Date.now();
  }, [shown]);

  useEffect(() => {
    const current = { step: null as DreamStep | null };
    const pump = () => {
      timer.current = null;
      const now = Date.now();
      const hold = current.step && ["done", "failed", "cancelled"].includes(current.step.stage) ? END_HOLD_MS : MIN_STEP_MS;
      const due = shownAt.current + (current.step ? (queue.current.length ? MIN_STEP_MS : hold) : 0);
      if (now < due) {
        timer.current = setTimeout(pump, due - now);
        return;
      }
      const next = queue.current.shift();
      if (next) {
        current.step = next;
        shownAt.current = now;
        setShown(next);
        stepRef.current?.(next);
        timer.current = setTimeout(pump, MIN_STEP_MS);
      } else if (current.step && ["done", "failed", "cancelled"].includes(current.step.stage)) {
        current.step = null;
        setShown(null);
      }
    };
    const push = (step: DreamStep, ts = Date.now()) => {
      // Live steps only: not old ones replayed on a reconnect (a resync mid-cycle must not drop any).
      if (Date.now() - ts > STALE_STEP_MS) return;
      // This device's own start is told by its ACCEPTED (the server does not echo DREAM_QUEUED to
      // the sender): once, and never after the cycle's later steps.
      const known = [current.step, ...queue.current].some((s) => s?.cycleId === step.cycleId);
      if (step.stage === "queued" && known) return;
      // Later steps come "from dream": who started the cycle stays with all its steps.
      const from = step.from ?? [...queue.current, current.step].reverse().find((s) => s?.cycleId === step.cycleId)?.from;
      queue.current.push(from ? { ...step, from } : step);
      if (!timer.current) pump();
    };
    pushRef.current = push;
    const offs = [
      client.on("DREAM_QUEUED", (e) => push({ cycleId: e.data.cycleId, stage: "queued", from: e.from }, e.ts)),
      client.on("DREAM_PROGRESS", (e) => push({ cycleId: e.data.cycleId, stage: e.data.phase, processed: e.data.processed, total: e.data.total }, e.ts)),
      client.on("DREAM_RESULT", (e) => push({ cycleId: e.data.cycleId, stage: "done" }, e.ts)),
      client.on("DREAM_FAILED", (e) => push({ cycleId: e.data.cycleId, stage: "failed", error: e.data.error }, e.ts)),
      client.on("DREAM_CANCELLED", (e) => push({ cycleId: e.data.cycleId, stage: "cancelled" }, e.ts)),
    ];
    return () => {
      offs.forEach((off) => off());
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    };
  }, [client]);
  const started = useCallback((cycleId: string) => pushRef.current({ cycleId, stage: "queued", from: client.getSnapshot().deviceId ?? undefined }), [client]);
  return useMemo(() => ({ step: shown, started }), [shown, started]);
}
