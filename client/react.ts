/**
 * React bindings for the Nerve client (`nerve/client/react`). `react` (18 or later) is an optional
 * peer dependency: only this subpath imports it. Every hook reads the client through
 * `useSyncExternalStore`, so renders are tear-free and only components whose slice changed re-render.
 *
 * Give hooks a client with `<NerveProvider client={client}>`, or pass it as the last argument.
 */
import { createContext, createElement, useContext, useEffect, useMemo, useRef, useSyncExternalStore, type ReactNode } from "react";
import type { DeviceInfo, DreamsState } from "../protocol/index.js";
import type { NerveClient } from "./nerve-client.js";
import type { NervePhase } from "./phase.js";
import type { NerveEventMap, NerveSnapshot, NerveState, NerveStatus, ShootState } from "./types.js";

const NerveContext = createContext<NerveClient | null>(null);

/**
 * Makes a client available to the hooks below it.
 * @example <NerveProvider client={client}><App /></NerveProvider>
 */
export function NerveProvider(props: { client: NerveClient; children?: ReactNode }) {
  return createElement(NerveContext.Provider, { value: props.client }, props.children);
}

/** The client from the argument or the nearest NerveProvider. */
export function useNerveClient(client?: NerveClient): NerveClient {
  const fromContext = useContext(NerveContext);
  const c = client ?? fromContext;
  if (!c) throw new Error("useNerveClient: no client; wrap the tree in <NerveProvider client={...}> or pass one");
  return c;
}

/** A slice of the snapshot; re-renders when `select` returns a different value (Object.is). */
export function useNerveSelector<T>(select: (s: NerveSnapshot) => T, client?: NerveClient): T {
  const c = useNerveClient(client);
  const get = () => select(c.getSnapshot());
  return useSyncExternalStore(c.subscribe, get, get);
}

/** The whole snapshot: re-renders on every change (latency included). Prefer the narrower hooks. */
export function useNerveSnapshot(client?: NerveClient): NerveSnapshot {
  return useNerveSelector((s) => s, client);
}

/** Phase, connection status, latency and quality. */
export function useNerveStatus(client?: NerveClient): { phase: NervePhase; status: NerveStatus; synced: boolean; latencyMs: number | null; quality: number; pending: number } {
  const phase = useNerveSelector((s) => s.phase, client);
  const status = useNerveSelector((s) => s.status, client);
  const synced = useNerveSelector((s) => s.synced, client);
  const latencyMs = useNerveSelector((s) => s.latencyMs, client);
  const quality = useNerveSelector((s) => s.quality, client);
  const pending = useNerveSelector((s) => s.pending, client);
  return useMemo(() => ({ phase, status, synced, latencyMs, quality, pending }), [phase, status, synced, latencyMs, quality, pending]);
}

/**
 * One state key's mirrored value (`undefined` until the server has one).
 * @example const limbic = useNerveState("limbic"); const shoot = useNerveState("shoots.s1");
 */
export function useNerveState<K extends keyof NerveState & string>(key: K, client?: NerveClient): NerveState[K] {
  return useNerveSelector((s) => s.state[key], client);
}

/** The user's devices (online and recently seen). */
export function useDevices(client?: NerveClient): readonly DeviceInfo[] {
  return useNerveSelector((s) => s.devices, client);
}

export interface ShootProgress {
  /** The latest SHOOT_PROGRESS value for this shoot, or null before the first. */
  progress: ShootState | null;
  isProcessing: boolean;
  isComplete: boolean;
  isFailed: boolean;
  /** 0-100, rounded; 0 when totalCount is 0. */
  progressPercentage: number;
}

/**
 * A shoot's live progress, as the Kull seed's hook had it.
 * @example const { isProcessing, progressPercentage } = useShootProgress(shootId);
 */
export function useShootProgress(shootId: string, client?: NerveClient): ShootProgress {
  const progress = useNerveSelector((s) => s.state[`shoots.${shootId}`] ?? null, client);
  return useMemo(() => ({
    progress,
    isProcessing: progress?.status === "processing",
    isComplete: progress?.status === "completed",
    isFailed: progress?.status === "failed",
    progressPercentage: progress && progress.totalCount > 0 ? Math.round((100 * progress.processedCount) / progress.totalCount) : 0,
  }), [progress]);
}

/** The `dreams` state key: schedule, running cycle (with phase and progress), queue, and the last 20 cycles with reports. */
export function useDreams(client?: NerveClient): DreamsState | undefined {
  return useNerveSelector((s) => s.state.dreams, client);
}

/**
 * Calls `handler` for each event of a type while mounted (the latest handler; no re-subscribe per render).
 * @example useNerveEvent("PROMPT_CHANGE", (e) => toast(e.data.title));
 */
export function useNerveEvent<K extends keyof NerveEventMap>(type: K, handler: (value: NerveEventMap[K]) => void, client?: NerveClient): void {
  const c = useNerveClient(client);
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => c.on(type, (v) => ref.current(v)), [c, type]);
}
