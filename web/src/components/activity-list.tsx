import type { ActivityItem } from "../lib/activity.js";
import { describeItem } from "../lib/activity-text.js";
import { formatTime, relativeTime } from "../lib/format.js";
import { useNow } from "../lib/hooks.js";
import { useWho, whereOf } from "../lib/names.js";

/** A list of activity items: what, where from ("on Work Mac", "on this device"), and when. */
export function ActivityList({ items, testId = "activity" }: { items: ActivityItem[]; testId?: string }) {
  const who = useWho();
  const now = useNow(10_000);
  return (
    <ol className="timeline" data-testid={testId}>
      {items.map((i) => {
        const d = describeItem(i);
        return (
          <li key={i.seq} data-testid="activity-item">
            <strong>{d.title}</strong>{d.detail ? <> · {d.detail}</> : null}
            <div className="small muted">{whereOf(who(i.from))} · <time dateTime={new Date(i.at).toISOString()} title={formatTime(i.at)}>{relativeTime(i.at, now)}</time></div>
          </li>
        );
      })}
    </ol>
  );
}
