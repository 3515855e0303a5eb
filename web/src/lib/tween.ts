import { useEffect, useRef, useState } from "react";

/**
 * A number that glides to `target` over `durationMs` instead of jumping: remote slider drags
 * arrive as one coalesced value every ~650 ms, and gliding across each interval turns those steps
 * back into motion. `immediate` (the user's own drag, or reduced motion) skips the glide.
 */
export function useTween(target: number, durationMs: number, immediate: boolean): number {
  const [shown, setShown] = useState(target);
  const from = useRef(target);
  const shownRef = useRef(target);
  useEffect(() => {
    const reduce = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
    if (immediate || reduce || durationMs <= 0) {
      shownRef.current = target;
      setShown(target);
      return;
    }
    from.current = shownRef.current;
    const start = performance.now();
    let frame = 0;
    const step = (t: number) => {
      const k = Math.min(1, (t - start) / durationMs);
      const v = from.current + (target - from.current) * k;
      shownRef.current = v;
      setShown(v);
      if (k < 1) frame = requestAnimationFrame(step);
    };
    frame = requestAnimationFrame(step);
    return () => cancelAnimationFrame(frame);
  }, [target, durationMs, immediate]);
  return shown;
}
