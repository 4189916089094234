import { parseCurlWriteOut } from '../../../bench/curl';
import { HOSTS_MARKER, hostsLine, staleBenchLines, withLines, withoutLines } from '../../../bench/hosts-file';
import { medianFigures, newHostNames, NORMAL } from '../../../bench/scenarios';
import { parseWrkOutput, wrkScript, wrkSeconds } from '../../../bench/wrk';

describe('wrk', () => {
  it('sends an absolute-form path and the target Host header, and reports through done()', () => {
    const script = wrkScript('http://127.0.0.1:9000/1k', '127.0.0.1:9000');
    expect(script).toContain('wrk.path = "http://127.0.0.1:9000/1k"');
    expect(script).toContain('wrk.headers["Host"] = "127.0.0.1:9000"');
    expect(script).toContain('latency:percentile(99)');
  });

  it('runs whole seconds, at least one (wrk -d takes no fractions)', () => {
    expect([0.5, 1, 2.4, 10].map(wrkSeconds)).toEqual([1, 1, 2, 10]);
  });

  it('reads the result line among wrk\'s own output, in ms and req/s', () => {
    const stdout = 'Running 2s test @ http://127.0.0.1:1\n  2 threads and 50 connections\nPROXYDOC_BENCH_RESULT {"requests":40000,"durationUs":2000000,"p50Us":1500.0,"p99Us":12000.0,"errors":0}\n';
    expect(parseWrkOutput(stdout)).toEqual({ requests: 40000, seconds: 2, requestsPerSecond: 20000, p50Ms: 1.5, p99Ms: 12, errors: 0 });
    expect(() => parseWrkOutput('unable to connect')).toThrow(/no result line/);
  });
});

describe('parseCurlWriteOut', () => {
  it('reads status, seconds and sizes', () => {
    expect(parseCurlWriteOut('200 0.512 209715200 0\n')).toEqual({ status: 200, seconds: 0.512, bytesDownloaded: 209715200, bytesUploaded: 0 });
    expect(() => parseCurlWriteOut('000')).toThrow(/unexpected/);
  });
});

describe('/etc/hosts lines', () => {
  const original = '127.0.0.1 localhost\n::1 localhost # keep me\n';
  const lines = ['a.proxydoc-bench.test', 'b.proxydoc-bench.test'].map(hostsLine);

  it('removes exactly the lines added, leaving the rest byte for byte', () => {
    const added = withLines(original, lines);
    expect(added).toBe(`${original}127.0.0.1 a.proxydoc-bench.test ${HOSTS_MARKER}\n127.0.0.1 b.proxydoc-bench.test ${HOSTS_MARKER}\n`);
    expect(withoutLines(added, lines)).toBe(original);
  });

  it('starts the lines on their own line when the file lacks a final newline', () => {
    expect(withLines('127.0.0.1 localhost', lines.slice(0, 1))).toBe(`127.0.0.1 localhost\n${lines[0]}\n`);
  });

  it('finds lines an interrupted run left behind', () => {
    expect(staleBenchLines(withLines(original, lines))).toEqual(lines);
    expect(staleBenchLines(original)).toEqual([]);
  });
});

describe('scenario helpers', () => {
  it('names S3 hosts per round, so each proxydoc round sees only new names', () => {
    const round1 = newHostNames(1, NORMAL);
    const round2 = newHostNames(2, NORMAL);
    expect(round1.measured).toHaveLength(NORMAL.newHosts);
    expect(round1.measured[0]).toBe('r1h1.proxydoc-bench.test');
    const all = [...round1.warmup, ...round1.measured, ...round2.warmup, ...round2.measured];
    expect(new Set(all).size).toBe(all.length);
  });

  it('takes medians per figure and side over rounds', () => {
    const medians = medianFigures([
      { 's1.rps': { direct: 100, proxied: 40 }, 's4.http.rss': { proxied: 70 } },
      { 's1.rps': { direct: 120, proxied: 50 }, 's4.http.rss': { proxied: 90 } },
      { 's1.rps': { direct: 110, proxied: 45 } },
    ]);
    expect(medians['s1.rps']).toEqual({ direct: 110, proxied: 45 });
    expect(medians['s4.http.rss']).toEqual({ direct: undefined, proxied: 80 });
  });
});
