import { formatTable, formatValue, verdict, type Row } from '../../../bench/table';

const throughput: Row = { scenario: 'S1', metric: 'throughput', unit: 'req/s', direct: 20_000, proxied: 9_000, target: { kind: 'min-ratio', value: 0.4 } };
const latency: Row = { scenario: 'S1', metric: 'latency p50', unit: 'ms', direct: 2, proxied: 5, target: { kind: 'max-ratio', value: 2 } };
const memory: Row = { scenario: 'idle', metric: 'proxy RSS', unit: 'MiB', proxied: 50.2, target: { kind: 'max-abs', value: 55 } };

describe('verdict', () => {
  it('compares throughput and latency ratios with their targets, memory and time with absolute ones', () => {
    expect(verdict(throughput)).toBe('yes'); // 0.45 ≥ 0.40
    expect(verdict(latency)).toBe('no'); // 2.5 > 2
    expect(verdict(memory)).toBe('yes');
    expect(verdict({ ...memory, proxied: 60 })).toBe('no');
  });

  it('is n/a without a target or without a figure', () => {
    expect(verdict({ ...latency, target: { kind: 'none' } })).toBe('n/a');
    expect(verdict({ ...throughput, direct: undefined })).toBe('n/a');
  });
});

describe('formatValue', () => {
  it('keeps enough digits to compare sub-millisecond latencies', () => {
    expect(formatValue(0.4567, 'ms')).toBe('0.46 ms');
    expect(formatValue(34.56, 'ms')).toBe('34.6 ms');
    expect(formatValue(345.6, 'ms')).toBe('346 ms');
    expect(formatValue(12345.6, 'req/s')).toBe('12,346 req/s');
    expect(formatValue(undefined, 'MiB')).toBe('—');
  });
});

describe('formatTable', () => {
  it('prints a Markdown table with right-aligned figures, ratios, targets and verdicts', () => {
    const lines = formatTable([throughput, latency, memory]).split('\n');
    expect(lines[0]).toMatch(/^\| scenario +\| metric +\| +direct \| +proxydoc \| +ratio \| target +\| met\? +\|$/);
    expect(lines[1]).toMatch(/^\|-+\|-+\|-+:\|-+:\|-+:\|-+\|-+\|$/);
    const cells = (line: string): string[] => line.split('|').slice(1, -1).map((cell) => cell.trim());
    expect(cells(lines[2])).toEqual(['S1', 'throughput', '20,000 req/s', '9,000 req/s', '0.45×', '≥ 0.40×', 'yes']);
    expect(cells(lines[3])).toEqual(['S1', 'latency p50', '2.00 ms', '5.00 ms', '2.50×', '≤ 2×', '**no**']);
    expect(cells(lines[4])).toEqual(['idle', 'proxy RSS', '—', '50.2 MiB', '—', '≤ 55 MiB', 'yes']);
    // Every line has the same width, so the table also reads as plain text.
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
  });
});
