/**
 * Reading exchanges.jsonl back: arbitrary bytes and lines never throw out of RecordLineSplitter or parseRecordLine;
 * every complete line is reported exactly once (a record or a numbered corrupt line), the unterminated tail is held
 * back, and valid records survive any chunking of the bytes, multi-byte characters split included.
 */
import fc from 'fast-check';
import { parseRecordLine, RecordLineSplitter, type CorruptLine } from '../../../src/log/reader';
import type { ExchangeRecord } from '../../../src/model/exchange';
import { makeExchange } from '../../helpers/make-exchange';
import { almostJson, anyText } from './arbitraries';

/** Records with awkward text everywhere a string goes: any Unicode, U+2028, lone surrogates, quotes, backslashes. */
const awkward = fc.oneof(anyText(20), fc.constantFrom('\u2028\u2029', '"\\', '\n\r', 'ünï😀', '\ufeff'));
const recordArb: fc.Arbitrary<ExchangeRecord> = fc
  .record({
    seq: fc.nat(1_000_000),
    method: fc.constantFrom('GET', 'POST', 'PATCH'),
    path: awkward,
    headers: fc.array(fc.tuple(awkward, awkward), { maxLength: 3 }),
    body: fc.option(fc.oneof(awkward, fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b))), { nil: undefined }),
    status: fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
  })
  .map(({ seq, method, path, headers, body, status }) =>
    makeExchange({ seq, request: { method, url: `https://h.example/${path}`, headers, body }, response: status === undefined ? null : { status, body: path }, ...(status === undefined ? { error: { kind: 'reset' as const, code: 'ECONNRESET', message: path } } : {}) }),
  );

/** What JSON can carry: lone surrogates survive JSON.stringify as escapes, so a record compares equal after a round trip. */
const viaJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

type Line = { kind: 'record'; record: ExchangeRecord } | { kind: 'garbage'; text: string } | { kind: 'blank'; text: string };
const lineArb: fc.Arbitrary<Line> = fc.oneof(
  { weight: 4, arbitrary: recordArb.map((record) => ({ kind: 'record' as const, record })) },
  { weight: 2, arbitrary: fc.oneof(anyText(40), almostJson(2), recordArb.map((r) => JSON.stringify(r).slice(0, 30))).filter((t) => !t.includes('\n')).map((text) => ({ kind: 'garbage' as const, text })) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t', '\r').map((text) => ({ kind: 'blank' as const, text })) },
);
const lineText = (line: Line): string => (line.kind === 'record' ? JSON.stringify(line.record) : line.text);

/** Splits bytes at the given points (sorted, deduplicated by construction of the slices). */
function chunk(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [0, ...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length];
  const chunks: Buffer[] = [];
  for (let i = 1; i < points.length; i++) chunks.push(bytes.subarray(points[i - 1], points[i]));
  return chunks;
}

function readAll(chunks: Buffer[]): { records: ExchangeRecord[]; corrupt: CorruptLine[]; partial: boolean } {
  const splitter = new RecordLineSplitter();
  const records: ExchangeRecord[] = [];
  const corrupt: CorruptLine[] = [];
  for (const c of chunks) {
    const batch = splitter.push(c);
    records.push(...batch.records);
    corrupt.push(...batch.corrupt);
  }
  return { records, corrupt, partial: splitter.hasPartialLine };
}

describe('parseRecordLine', () => {
  it('never throws on arbitrary or almost-JSON lines, and says why a line is corrupt', () => {
    fc.assert(
      fc.property(fc.oneof(anyText(80), almostJson(3), recordArb.map((r) => JSON.stringify({ ...r, v: undefined }))), (line) => {
        const parsed = parseRecordLine(line);
        if ('corrupt' in parsed) {
          expect(typeof parsed.corrupt).toBe('string');
          expect(parsed.corrupt).not.toBe('');
        } else expect(parsed.record.v).toBe(1);
      }),
      { numRuns: 250 },
    );
  });

  it('gives back any record written as one line, and refuses it without a required field or with one of the wrong type', () => {
    const wrong: Record<string, unknown> = { v: '1', id: '', seq: '7', startedAt: 0, request: null, phases: null, findings: {} };
    fc.assert(
      fc.property(recordArb, fc.constantFrom(...Object.keys(wrong)), fc.boolean(), (rec, field, remove) => {
        const line = JSON.stringify(rec);
        expect(line).not.toContain('\n');
        expect(parseRecordLine(line)).toEqual({ record: viaJson(rec) });
        const broken = viaJson(rec) as unknown as Record<string, unknown>;
        if (remove) delete broken[field];
        else broken[field] = wrong[field];
        expect(parseRecordLine(JSON.stringify(broken))).toHaveProperty('corrupt');
      }),
      { numRuns: 150 },
    );
  });
});

describe('RecordLineSplitter', () => {
  it('never throws on arbitrary bytes in arbitrary chunks, and numbers corrupt lines in order', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const buffer = Buffer.from(bytes);
        const { records, corrupt } = readAll(chunk(buffer, cuts));
        const lines = (buffer.toString('utf8').match(/\n/g) ?? []).length;
        expect(records.length + corrupt.length).toBeLessThanOrEqual(lines);
        for (let i = 0; i < corrupt.length; i++) {
          expect(corrupt[i].lineNumber).toBeGreaterThanOrEqual(1);
          expect(corrupt[i].lineNumber).toBeLessThanOrEqual(lines);
          if (i > 0) expect(corrupt[i].lineNumber).toBeGreaterThan(corrupt[i - 1].lineNumber);
        }
      }),
      { numRuns: 250 },
    );
  });

  it('reports each complete line once, whatever the chunking: records in order, garbage with its line number', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 8 }), fc.boolean(), fc.option(fc.oneof(recordArb.map((r) => JSON.stringify(r)), anyText(20)), { nil: undefined }), fc.array(fc.nat(), { maxLength: 10 }), (lines, crlf, tail, cuts) => {
        const eol = crlf ? '\r\n' : '\n';
        const text = lines.map((l) => lineText(l) + eol).join('') + (tail ?? '').replace(/\n/g, ' ');
        const { records, corrupt, partial } = readAll(chunk(Buffer.from(text, 'utf8'), cuts));
        const wantRecords = lines.flatMap((l) => (l.kind === 'record' ? [viaJson(l.record)] : []));
        const wantCorrupt = lines.flatMap((l, i) => (l.kind === 'garbage' && (l.text + (crlf ? '\r' : '')).trim() !== '' && !('record' in parseRecordLine(l.text)) ? [i + 1] : []));
        expect(records).toEqual(wantRecords);
        expect(corrupt.map((c) => c.lineNumber)).toEqual(wantCorrupt);
        expect(partial).toBe((tail ?? '').replace(/\n/g, ' ') !== '');
      }),
      { numRuns: 150 },
    );
  });

  it('finishes a held-back line when the rest arrives, and reset() forgets it', () => {
    fc.assert(
      fc.property(recordArb, fc.nat(), (rec, at) => {
        const bytes = Buffer.from(`${JSON.stringify(rec)}\n`, 'utf8');
        const cut = 1 + (at % (bytes.length - 1));
        const splitter = new RecordLineSplitter();
        expect(splitter.push(bytes.subarray(0, cut))).toEqual({ records: [], corrupt: [] });
        expect(splitter.hasPartialLine).toBe(true);
        const rest = splitter.push(bytes.subarray(cut));
        expect(rest).toEqual({ records: [viaJson(rec)], corrupt: [] });
        splitter.push(bytes.subarray(0, cut));
        splitter.reset();
        expect(splitter.hasPartialLine).toBe(false);
        expect(splitter.push(bytes)).toEqual({ records: [viaJson(rec)], corrupt: [] });
      }),
      { numRuns: 200 },
    );
  });
});
