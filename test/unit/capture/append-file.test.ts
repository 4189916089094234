import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppendOnlyFile } from '../../../src/log/append-file';

describe('AppendOnlyFile', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxydoc-append-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('appends whole lines in order, creates the file 0600 and tightens an existing one', async () => {
    const file = path.join(dir, 'x.jsonl');
    fs.writeFileSync(file, 'old\n', { mode: 0o644 });
    const log = new AppendOnlyFile(file);
    for (let i = 0; i < 1000; i++) log.append(`line ${i}`);
    await log.close();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).toBe('old');
    expect(lines.slice(1, 1001)).toEqual(Array.from({ length: 1000 }, (_v, i) => `line ${i}`));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(log.writtenLines).toBe(1000);
  });

  test('a write that fails is counted as lost and reported, never thrown', async () => {
    const errors: string[] = [];
    const log = new AppendOnlyFile(path.join(dir, 'missing-dir', 'x.log'), { onError: (error, lost) => errors.push(`${error.code} ${lost}`) });
    log.append('a');
    log.append('b');
    await log.flush();
    expect(log.lostLines).toBe(2);
    expect(errors).toEqual(['ENOENT 2']);
  });
});
