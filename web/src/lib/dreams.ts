import { useMemo } from "react";
import { useDreams } from "../../../client/react.js";
import { DreamsState } from "../../../protocol/index.js";

const EMPTY: DreamsState = { schedule: null, current: null, queue: [], history: [] };

/** The `dreams` state key, validated (anything malformed reads as empty). */
export function useDreamsState(): DreamsState {
  const raw = useDreams();
  return useMemo(() => {
    if (raw === undefined || raw === null) return EMPTY;
    const parsed = DreamsState.safeParse(raw);
    return parsed.success ? parsed.data : EMPTY;
  }, [raw]);
}

export const PHASE_LABEL = { decay: "Decay", consolidate: "Consolidate", patterns: "Patterns", processor: "Processor" } as const;
export const PHASE_HINT = {
  decay: "Easing arousal and valence back toward rest",
  consolidate: "Reading the window's limbic, posture and convergence events",
  patterns: "Looking for repeated patterns worth an insight",
  processor: "Waiting for the external dream processor",
} as const;
