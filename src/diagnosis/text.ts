/** Wording helpers shared by findings. Pure: durations and times come in as numbers, never from the clock. */

/** ISO-8601 without milliseconds, e.g. 2026-11-21T19:41:03Z. `ms` comes from a record, never from the clock. */
export function isoSeconds(ms: number): string {
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : String(ms);
}

/** A duration in the largest sensible units: "45 s", "3 min 12 s", "2 h 5 min", "3 days 4 h". */
export function humanDuration(ms: number): string {
  const totalSeconds = Math.round(Math.abs(ms) / 1000);
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  if (minutes < 60) return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
  const hours = Math.floor(minutes / 60);
  const restMinutes = minutes % 60;
  if (hours < 48) return restMinutes === 0 ? `${hours} h` : `${hours} h ${restMinutes} min`;
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours === 0 ? `${days} days` : `${days} days ${restHours} h`;
}

/** Server-provided text (error descriptions, messages) kept to one short line for a finding. */
export function clipText(text: string, max = 160): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
