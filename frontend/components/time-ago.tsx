import { formatFullTime } from "../lib/format-time";
import { formatRelativeTime } from "../lib/relative-time";

/** "3 hours ago", with the full date and time in its tooltip; `never` when there is no time. */
export function TimeAgo({ iso, never = "never", now }: { iso: string | null | undefined; never?: string; now?: Date }) {
  if (!iso) return <span className="muted">{never}</span>;
  return (
    <time dateTime={iso} title={formatFullTime(iso)}>
      {formatRelativeTime(iso, now)}
    </time>
  );
}
