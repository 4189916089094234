import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { followRecordsFile, parseRecordLine, readRecordsFile, RecordLineSplitter } from '../../../src/log/reader';
import type { ExchangeRecord } from '../../../src/model/exchange';
import { makeExchange } from '../../helpers/make-exchange';

const line = (record: ExchangeRecord): string => `${JSON.stringify(record)}\n`;

describe('parseRecordLine', () => {
  it('accepts a v1 record', () => {
    const record = makeExchange({ seq: 3 });
    expect(parseRecordLine(JSON.stringify(record))).toEqual({ record });
  });

  it.each([
    ['{"v":1', 'not JSON'],
    ['[1,2]', 'not a JSON object'],
    ['{"id":"x"}', 'no record version "v"'],
    ['{"v":1,"id":"a","seq":1,"startedAt":"x","request":{"method":"GET"},"phases":{},"findings":[]}', 'request without method or url'],
  ])('names what is wrong with %s', (text, reason) => {
    expect(parseRecordLine(text)).toEqual({ corrupt: reason });
  });

  it('says to upgrade for a record from a newer proxydoc', () => {
    expect(parseRecordLine(JSON.stringify({ ...makeExchange(), v: 2 }))).toEqual({
      corrupt: 'record version 2 is newer than this proxydoc understands (1); upgrade proxydoc',
    });
  });

  it('never throws, whatever the line', () => {
    fc.assert(fc.property(fc.string(), (text) => {
      const parsed = parseRecordLine(text);
      expect('record' in parsed || 'corrupt' in parsed).toBe(true);
    }));
  });
});

describe('RecordLineSplitter', () => {
  it('holds a half-written last line until its newline arrives', () => {
    const record = makeExchange({ seq: 1 });
    const text = line(record);
    const splitter = new RecordLineSplitter();
    expect(splitter.push(text.slice(0, 20))).toEqual({ records: [], corrupt: [] });
    expect(splitter.hasPartialLine).toBe(true);
    expect(splitter.push(text.slice(20)).records).toEqual([record]);
    expect(splitter.hasPartialLine).toBe(false);
  });

  it('reassembles a multi-byte character split between chunks', () => {
    const record = makeExchange({ request: { url: 'http://h/ünïcødé' } });
    const bytes = Buffer.from(line(record));
    const cut = bytes.indexOf(Buffer.from('ü')) + 1; // inside the two-byte ü
    const splitter = new RecordLineSplitter();
    const first = splitter.push(bytes.subarray(0, cut));
    const second = splitter.push(bytes.subarray(cut));
    expect([...first.records, ...second.records]).toEqual([record]);
  });

  it('reports a corrupt complete line with its number and goes on', () => {
    const splitter = new RecordLineSplitter();
    const result = splitter.push(`${line(makeExchange({ seq: 1 }))}garbage\n${line(makeExchange({ seq: 3 }))}`);
    expect(result.records.map((r) => r.seq)).toEqual([1, 3]);
    expect(result.corrupt).toEqual([{ lineNumber: 2, reason: 'not JSON' }]);
  });

  it('yields the same records however the bytes are chunked', () => {
    const records = [1, 2, 3].map((seq) => makeExchange({ seq, request: { headers: [['X-Ü', 'ä€😀']] } }));
    const bytes = Buffer.from(records.map(line).join(''));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 8 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        const splitter = new RecordLineSplitter();
        const seen: ExchangeRecord[] = [];
        for (let i = 1; i < points.length; i++) seen.push(...splitter.push(bytes.subarray(points[i - 1], points[i])).records);
        expect(seen).toEqual(records);
      }),
    );
  });
});

describe('reading and following a file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-reader-'));
    file = path.join(dir, 'exchanges.jsonl');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads complete records and skips a partial last line', async () => {
    const record = makeExchange({ seq: 1 });
    fs.writeFileSync(file, `${line(record)}{"v":1,"id":"half`);
    const read = await readRecordsFile(file);
    expect(read.records).toEqual([record]);
    expect(read.corrupt).toEqual([]);
    expect(read.partialLastLine).toBe(true);
  });

  it('follows appends, a finished partial line, and a recreated file', async () => {
    fs.writeFileSync(file, line(makeExchange({ seq: 1 })));
    const start = await readRecordsFile(file);
    const seen: number[] = [];
    const resets: number[] = [];
    let notify: () => void = () => undefined;
    const follower = followRecordsFile(file, start, {
      onRecords: (records) => {
        seen.push(...records.map((r) => r.seq));
        notify();
      },
      onCorrupt: () => undefined,
      onReset: () => resets.push(seen.length),
    });
    const waitFor = (count: number): Promise<void> =>
      new Promise((resolve) => {
        notify = () => {
          if (seen.length >= count) resolve();
        };
        notify();
      });
    try {
      const second = line(makeExchange({ seq: 2 }));
      fs.appendFileSync(file, second.slice(0, 10));
      fs.appendFileSync(file, second.slice(10));
      await waitFor(1);
      fs.rmSync(file);
      fs.writeFileSync(file, line(makeExchange({ seq: 1 })) + line(makeExchange({ seq: 2 })));
      await waitFor(3);
      expect(seen).toEqual([2, 1, 2]);
      expect(resets).toEqual([1]);
    } finally {
      follower.stop();
    }
  });
});
