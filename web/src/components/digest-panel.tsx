import { useMemo } from "react";
import { digestGroups } from "../lib/activity-text.js";
import { formatTime, relativeTime } from "../lib/format.js";
import { useNow } from "../lib/hooks.js";
import { useWho, whereOf } from "../lib/names.js";
import { useActivity } from "../lib/nerve.js";
import { Link } from "../lib/router.js";
import { BellIcon, XIcon } from "./icons.js";

/** "While you were away": one summary, per thing, of what other devices and services changed. */
export function DigestPanel() {
  const { digest, dismissDigest } = useActivity();
  const who = useWho();
  const now = useNow(10_000);
  const groups = useMemo(() => (digest ? digestGroups(digest.items) : []), [digest]);
  if (!digest || groups.length === 0) return null;
  return (
    <section className="card digest" aria-labelledby="digest-title" data-testid="digest">
      <div className="card-head">
        <h2 id="digest-title"><BellIcon width={18} /> While you were away</h2>
        <button type="button" className="ghost icon-button" onClick={dismissDigest} aria-label="Dismiss the summary"><XIcon width={18} /></button>
      </div>
      <p className="small muted">Since {formatTime(digest.since)}: {digest.items.length} change{digest.items.length === 1 ? "" : "s"} on your other devices and services.</p>
      <ul className="list digest-list">
        {groups.map((g) => {
          const by = g.froms.map((f) => whereOf(who(f))).join(", ");
          const body = (
            <>
              <div className="grow">
                <div className="title">{g.title}</div>
                <div className="sub">{g.detail ? `${g.detail} · ` : ""}{by} · {relativeTime(g.at, now)}</div>
              </div>
            </>
          );
          return (
            <li key={g.key} data-testid="digest-item" data-entity={g.key}>
              {g.link ? <Link to={g.link} className="list-item">{body}</Link> : <div className="list-item">{body}</div>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
