import { useState } from "react";
import type { ShootState } from "../../../client/index.js";
import { shootDismissable } from "../../../protocol/index.js";
import { dismissShoot, MeApiError } from "../lib/me-api.js";
import { TrashIcon } from "./icons.js";
import { toast } from "./toasts.js";

/**
 * Removes a finished or stalled shoot from all the user's devices (DELETE /api/me/state/shoots.<id>).
 * A running shoot has no such button: it belongs to the service running it, and the server refuses.
 */
export function DismissShootButton({ shoot, now, onDone }: { shoot: ShootState; now: number; onDone?: () => void }) {
  const [busy, setBusy] = useState(false);
  if (!shootDismissable(shoot, now)) return null;
  const dismiss = () => {
    setBusy(true);
    dismissShoot(shoot.shootId).then(() => onDone?.(), (err: unknown) => {
      toast("bad", "Could not dismiss the shoot", err instanceof MeApiError && err.code === "CONFLICT" ? "It started moving again." : err instanceof Error ? err.message : String(err));
    }).finally(() => setBusy(false));
  };
  return (
    <button type="button" className="small dismiss" onClick={dismiss} disabled={busy} data-testid="shoot-dismiss" aria-label={`Dismiss shoot ${shoot.shootId}`}>
      <TrashIcon width={15} /> Dismiss
    </button>
  );
}
