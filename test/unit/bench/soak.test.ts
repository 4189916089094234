import {
  CLOSE_EVERY,
  classifyOutcome,
  DEFAULT_CONCURRENCY,
  DEFAULT_EXCHANGES,
  describeOutcome,
  evaluateSoak,
  formatSoakReport,
  mixEntryFor,
  parseSoakArgs,
  plannedRequest,
  phaseEnds,
  SOAK_MIX,
  SoakUsageError,
  statusBody,
  UPSTREAM_FAILURE_KINDS,
  type SoakFigures,
} from '../../../bench/soak-plan';

describe('parseSoakArgs', () => {
  it('defaults to 200 000 exchanges, 32 at a time', () => {
    expect(parseSoakArgs([])).toEqual({ exchanges: DEFAULT_EXCHANGES, concurrency: DEFAULT_CONCURRENCY, idleSeconds: 6, keep: false, help: false });
    expect(DEFAULT_EXCHANGES).toBe(200_000);
  });

  it('reads counts written 5000, 200k, 200_000 and --flag=value', () => {
    expect(parseSoakArgs(['--exchanges', '5000']).exchanges).toBe(5000);
    expect(parseSoakArgs(['--exchanges', '200k']).exchanges).toBe(200_000);
    expect(parseSoakArgs(['--exchanges=200_000', '--concurrency=8']).exchanges).toBe(200_000);
    expect(parseSoakArgs(['--concurrency', '8', '--json', 'out.json', '--keep'])).toMatchObject({ concurrency: 8, jsonFile: 'out.json', keep: true });
    expect(parseSoakArgs(['--idle', '0.5']).idleSeconds).toBe(0.5);
  });

  it('rejects what is not a positive whole number, a missing value and unknown options, in one line each', () => {
    expect(() => parseSoakArgs(['--exchanges', '0'])).toThrow(new SoakUsageError('--exchanges needs a positive whole number, got "0"'));
    expect(() => parseSoakArgs(['--exchanges', '1.5'])).toThrow(SoakUsageError);
    expect(() => parseSoakArgs(['--concurrency', '-3'])).toThrow(SoakUsageError);
    expect(() => parseSoakArgs(['--exchanges'])).toThrow(new SoakUsageError('--exchanges needs a value'));
    expect(() => parseSoakArgs(['--json', '--keep'])).toThrow(new SoakUsageError('--json needs a file name'));
    expect(() => parseSoakArgs(['--idle', 'soon'])).toThrow(new SoakUsageError('--idle needs a number of seconds, got "soon"'));
    expect(() => parseSoakArgs(['--quick'])).toThrow(new SoakUsageError('unknown option --quick'));
  });
});

describe('the mix', () => {
  it('has weights per 1000 that add up to 1000, with failures the upstream causes on both schemes', () => {
    expect(SOAK_MIX.reduce((sum, entry) => sum + entry.weight, 0)).toBe(1000);
    for (const kind of UPSTREAM_FAILURE_KINDS) {
      expect(SOAK_MIX.filter((entry) => entry.kind === kind).map((entry) => entry.scheme).sort()).toEqual(['http', 'https']);
    }
  });

  it('gives every block of 1000 exchanges exactly the weights, spread out rather than in runs', () => {
    for (const blockStart of [0, 1000, 137_000]) {
      const counts = new Map<string, number>();
      for (let index = blockStart; index < blockStart + 1000; index++) {
        const entry = mixEntryFor(index);
        counts.set(`${entry.scheme} ${entry.kind}`, (counts.get(`${entry.scheme} ${entry.kind}`) ?? 0) + 1);
      }
      for (const entry of SOAK_MIX) expect(counts.get(`${entry.scheme} ${entry.kind}`)).toBe(entry.weight);
    }
    // The first 40 exchanges already mix HTTP and HTTPS and more than one kind.
    const first = Array.from({ length: 40 }, (_, index) => mixEntryFor(index));
    expect(new Set(first.map((entry) => entry.scheme)).size).toBe(2);
    expect(new Set(first.map((entry) => entry.kind)).size).toBeGreaterThan(2);
  });

  it('plans each kind with the answer a healthy path gives, and none for the kinds built to fail', () => {
    expect(plannedRequest('small', 3)).toEqual({ method: 'GET', path: '/small?i=3', uploadBytes: 0, expectedStatus: 200, expectedBodyBytes: 512, closeConnection: false });
    expect(plannedRequest('status', 5)).toMatchObject({ path: '/status/500', expectedStatus: 500, expectedBodyBytes: statusBody(500).length });
    expect(plannedRequest('large-download', 4)).toMatchObject({ path: '/download?mib=5', expectedBodyBytes: 5 * 1024 * 1024 });
    expect(plannedRequest('large-upload', 0)).toMatchObject({ method: 'POST', uploadBytes: 2 * 1024 * 1024, expectedBodyBytes: 'received 2097152\n'.length });
    for (const kind of UPSTREAM_FAILURE_KINDS) expect(plannedRequest(kind, 0).expectedStatus).toBeUndefined();
    expect(plannedRequest('small', CLOSE_EVERY - 1).closeConnection).toBe(true);
  });
});

describe('classifyOutcome', () => {
  const small = plannedRequest('small', 0);

  it('counts a healthy kind as ok only with the expected status and every byte of the body', () => {
    expect(classifyOutcome('small', small, { status: 200, bodyBytes: 512 })).toBe('ok');
    expect(classifyOutcome('small', small, { status: 200, bodyBytes: 511 })).toBe('unexplained');
    expect(classifyOutcome('small', small, { status: 502, bodyBytes: 250 })).toBe('unexplained');
    expect(classifyOutcome('small', small, { error: 'UND_ERR_SOCKET: other side closed' })).toBe('unexplained');
    const status = plannedRequest('status', 2);
    expect(classifyOutcome('status', status, { status: 404, bodyBytes: statusBody(404).length })).toBe('ok');
  });

  it("counts a failing kind's cut connection or proxydoc's 502/504 as the upstream's doing, and a success as unexplained", () => {
    for (const kind of UPSTREAM_FAILURE_KINDS) {
      const request = plannedRequest(kind, 0);
      expect(classifyOutcome(kind, request, { error: 'UND_ERR_SOCKET: other side closed' })).toBe('upstream-failure');
      expect(classifyOutcome(kind, request, { status: 502, bodyBytes: 250 })).toBe('upstream-failure');
      expect(classifyOutcome(kind, request, { status: 504, bodyBytes: 250 })).toBe('upstream-failure');
      expect(classifyOutcome(kind, request, { status: 200, bodyBytes: 16384 })).toBe('unexplained');
    }
  });

  it('describes an unexplained outcome in one line', () => {
    expect(describeOutcome('small', 'https', small, { status: 502, bodyBytes: 254 })).toBe('https GET /small?i=0 (small): 502 with 254 B, expected 200 with 512 B');
    expect(describeOutcome('small', 'http', small, { error: 'ECONNRESET: read ECONNRESET' })).toBe('http GET /small?i=0 (small): ECONNRESET: read ECONNRESET');
  });
});

describe('phaseEnds', () => {
  it('pauses after 10 % and 50 % of the exchanges and at the end', () => {
    expect(phaseEnds(200_000)).toEqual([20_000, 100_000, 200_000]);
    expect(phaseEnds(5)).toEqual([2, 5]);
    expect(phaseEnds(1)).toEqual([1]);
  });
});

describe('evaluateSoak', () => {
  const healthy: SoakFigures = {
    exchangesSent: 200_000,
    recordsWritten: 200_000,
    unexplained: 0,
    rssMiB: { start: 150, middle: 170, end: 172, peak: 190 },
    heapMiB: { start: 20, middle: 21, end: 21.5 },
    fds: { baseline: 21, end: 22, logFilesOpenedSince: 2 },
  };
  const verdicts = (figures: SoakFigures): boolean[] => evaluateSoak(figures).map((verdict) => verdict.pass);

  it('passes a run that lost nothing, saw no unexplained error, stayed flat and closed its sockets', () => {
    expect(verdicts(healthy)).toEqual([true, true, true, true, true]);
  });

  it('fails each criterion on its own', () => {
    expect(verdicts({ ...healthy, recordsWritten: 199_999 })).toEqual([false, true, true, true, true]);
    expect(verdicts({ ...healthy, unexplained: 1 })).toEqual([true, false, true, true, true]);
    // 200 bytes per exchange over the second half: ~19 MiB on 170.
    expect(verdicts({ ...healthy, rssMiB: { start: 150, middle: 170, end: 190 } })).toEqual([true, true, false, true, true]);
    expect(verdicts({ ...healthy, rssMiB: { start: 100, middle: 140, end: 140 } })).toEqual([true, true, false, true, true]);
    expect(verdicts({ ...healthy, heapMiB: { start: 20, middle: 21, end: 26 } })).toEqual([true, true, true, false, true]);
    expect(verdicts({ ...healthy, fds: { baseline: 21, end: 24, logFilesOpenedSince: 2 } })).toEqual([true, true, true, true, false]);
  });

  it('fails what it could not measure rather than passing it', () => {
    expect(verdicts({ ...healthy, rssMiB: {}, heapMiB: {}, fds: { logFilesOpenedSince: 0 } })).toEqual([true, true, false, false, false]);
  });

  it('prints PASS/FAIL per criterion and the overall result', () => {
    const text = formatSoakReport({
      title: 'proxydoc soak: 200 000 exchanges',
      facts: [['date', '2026-11-22T00:00:00.000Z']],
      verdicts: evaluateSoak({ ...healthy, recordsWritten: 199_990 }),
      tallies: [{ kind: 'small', scheme: 'http', sent: 10, ok: 9, upstreamFailure: 0, unexplained: 1 }],
      unexplainedExamples: ['#3 http GET /small?i=3 (small): ECONNRESET'],
      notes: [],
    });
    expect(text).toContain('| records lost (sent − written) | 10 (200 000 sent, 199 990 written) | must be 0 | **FAIL** |');
    expect(text).toContain('| client errors the upstream did not cause | 0 | must be 0 | PASS |');
    expect(text).toContain('| http small | 10 | 9 | 0 | 1 |');
    expect(text).toContain('- #3 http GET /small?i=3 (small): ECONNRESET');
    expect(text.trimEnd().endsWith('Result: FAIL (1 of 5 criteria)')).toBe(true);
  });
});
