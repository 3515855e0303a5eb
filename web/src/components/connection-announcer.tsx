import { useEffect, useRef, useState } from "react";
import { describeLink, type LinkInfo } from "./connection-indicator.js";

/**
 * A polite live region that says connection changes once, in words ("You're offline", "Back
 * online"), so a screen reader hears them without the indicator's name changing under focus.
 */
export function ConnectionAnnouncer({ link }: { link: LinkInfo }) {
  const [message, setMessage] = useState("");
  const d = describeLink(link);
  const live = link.status === "connected" && link.synced;
  const last = useRef<string | null>(null);
  useEffect(() => {
    const now = live ? "live" : d.label;
    if (last.current === null) {
      last.current = now;
      return;
    }
    if (now === last.current) return;
    const was = last.current;
    last.current = now;
    if (now === "live") setMessage(was === "Catching up" ? "Up to date." : "Back online. Up to date.");
    else if (now === "You're offline") setMessage("You're offline. Your changes will be sent when you're back.");
    else if (now === "Reconnecting") setMessage("Connection lost. Reconnecting.");
  }, [live, d.label]);
  return <div className="sr-only" role="status" aria-live="polite" data-testid="connection-announcer">{message}</div>;
}
