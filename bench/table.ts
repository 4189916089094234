/**
 * The benchmark's result table: rows of medians with their ratio to the direct baseline and the issue's target,
 * formatted as a Markdown table that reads well in a terminal and pastes into the README as is.
 */
import { ratio } from './stats';

/**
 * A target from the issue. Ratio targets compare proxydoc with the direct baseline (proxydoc ÷ direct): `min-ratio`
 * for throughput (higher is better), `max-ratio` for latency. `max-abs` is for figures without a baseline
 * (start-up time, memory), compared with proxydoc's own value.
 */
export type Target = { kind: 'min-ratio'; value: number } | { kind: 'max-ratio'; value: number } | { kind: 'max-abs'; value: number } | { kind: 'none' };

export type Unit = 'req/s' | 'ms' | 'MiB/s' | 'MiB';

export interface Row {
  scenario: string;
  metric: string;
  unit: Unit;
  /** Median over rounds; undefined where there is no direct baseline (memory, start-up) or it was not measured. */
  direct?: number;
  proxied?: number;
  target: Target;
}

export type Verdict = 'yes' | 'no' | 'n/a';

export function rowRatio(row: Row): number | undefined {
  return ratio(row.proxied, row.direct);
}

/** Whether the row meets its target; n/a when it has none or a figure is missing. */
export function verdict(row: Row): Verdict {
  const { target } = row;
  if (target.kind === 'none') return 'n/a';
  const value = target.kind === 'max-abs' ? row.proxied : rowRatio(row);
  if (value === undefined) return 'n/a';
  if (target.kind === 'min-ratio') return value >= target.value ? 'yes' : 'no';
  return value <= target.value ? 'yes' : 'no';
}

export function formatValue(value: number | undefined, unit: Unit): string {
  if (value === undefined) return '—';
  switch (unit) {
    case 'req/s':
      return `${Math.round(value).toLocaleString('en-US')} req/s`;
    case 'ms':
      // Sub-millisecond latencies need two decimals to be comparable at all.
      return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value).toString()} ms`;
    case 'MiB/s':
      return `${value.toFixed(value < 100 ? 1 : 0)} MiB/s`;
    case 'MiB':
      return `${value.toFixed(1)} MiB`;
  }
}

export function formatTarget(target: Target, unit: Unit): string {
  switch (target.kind) {
    case 'min-ratio':
      return `≥ ${target.value.toFixed(2)}×`;
    case 'max-ratio':
      return `≤ ${target.value}×`;
    case 'max-abs':
      return `≤ ${formatValue(target.value, unit).replace(/\.0 /, ' ')}`;
    case 'none':
      return '—';
  }
}

function formatRatio(value: number | undefined): string {
  return value === undefined ? '—' : `${value.toFixed(2)}×`;
}

const HEADER = ['scenario', 'metric', 'direct', 'proxied', 'ratio', 'target', 'met?'];

/** Figures are right-aligned (Markdown `---:`), so they line up in a terminal as well as when rendered. */
const RIGHT_ALIGNED = new Set([2, 3, 4]);

/** Markdown table, columns padded to equal width so it is also readable as plain text. */
export function formatTable(rows: readonly Row[], proxiedLabel = 'proxydoc'): string {
  const cells = rows.map((row) => {
    const met = verdict(row);
    return [
      row.scenario,
      row.metric,
      formatValue(row.direct, row.unit),
      formatValue(row.proxied, row.unit),
      formatRatio(rowRatio(row)),
      formatTarget(row.target, row.unit),
      met === 'no' ? '**no**' : met === 'n/a' ? '—' : 'yes',
    ];
  });
  const header = HEADER.map((title) => (title === 'proxied' ? proxiedLabel : title));
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column].length)));
  const pad = (value: string, column: number): string =>
    RIGHT_ALIGNED.has(column) ? value.padStart(widths[column]) : value.padEnd(widths[column]);
  const line = (values: string[]): string => `| ${values.map(pad).join(' | ')} |`;
  const separator = `|${widths.map((width, column) => (RIGHT_ALIGNED.has(column) ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [line(header), separator, ...cells.map(line)].join('\n');
}
