import { phasesFromMarks } from '../../../src/model/timing';

describe('phasesFromMarks', () => {
  test('a new TLS connection has every phase, derived from the marks', () => {
    expect(phasesFromMarks({ start: 100, socket: 101, lookup: 103.1, connect: 107.9, secureConnect: 119.9, requestSent: 120.4, firstByte: 160.6, end: 162.5 })).toEqual({
      dns: 2.1,
      connect: 4.8,
      tls: 12,
      ttfb: 40.2,
      download: 1.9,
      total: 62.5,
    });
  });

  test('a reused connection has no dns, connect or tls (absent, never NaN)', () => {
    const phases = phasesFromMarks({ start: 0, socket: 0.2, requestSent: 0.5, firstByte: 10.5, end: 11 });
    expect(phases).toEqual({ ttfb: 10, download: 0.5, total: 11 });
    expect(Object.values(phases).every((v) => Number.isFinite(v))).toBe(true);
  });

  test('an IP literal over plain HTTP has connect but no dns or tls', () => {
    expect(phasesFromMarks({ start: 0, socket: 1, connect: 3, requestSent: 3.5, firstByte: 8, end: 9 })).toEqual({ connect: 2, ttfb: 4.5, download: 1, total: 9 });
  });

  test('an early answer (before the upload finished) measures ttfb from the connection being ready', () => {
    expect(phasesFromMarks({ start: 0, socket: 1, connect: 2, requestSent: 50, firstByte: 10, end: 12 }).ttfb).toBe(8);
  });

  test('a failure before any response has only the phases reached, and the total', () => {
    expect(phasesFromMarks({ start: 0, socket: 1, end: 30_000 })).toEqual({ total: 30_000 });
  });
});
