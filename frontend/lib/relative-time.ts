// "5 minutes ago", "yesterday", "3 weeks ago": how long ago something happened, in the reader's
// language; the full date goes in a tooltip (lib/format-time.ts formatFullTime).

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 7],
  ["week", 4.34524],
  ["month", 12],
  ["year", Number.POSITIVE_INFINITY],
];

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** How long before `now` the ISO time `iso` was; "" for a time that does not parse. */
export function formatRelativeTime(iso: string, now: Date = new Date()): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return "";
  let amount = (then - now.getTime()) / 1000;
  // Clocks differ a little: a time a few seconds ahead is "now", not "in 3 seconds".
  if (Math.abs(amount) < 45) return relative.format(0, "second");
  for (const [unit, size] of STEPS) {
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit);
    amount /= size;
  }
  return "";
}
