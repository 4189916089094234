import { median, percentile, ratio, summarizeLatencies } from '../../../bench/stats';

describe('percentile (nearest rank)', () => {
  it('picks the smallest sample with at least p % at or below it', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 90)).toBe(9);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 100)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
  });

  it('is undefined without samples and refuses percentiles outside 0..100', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('sorts numerically, not as text', () => {
    expect(percentile([10, 9, 100], 50)).toBe(10);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('ignores missing figures (a run that failed), and is undefined without any', () => {
    expect(median([undefined, 7, undefined])).toBe(7);
    expect(median([undefined])).toBeUndefined();
  });
});

describe('ratio and summarizeLatencies', () => {
  it('divides proxydoc by direct, undefined without a usable baseline', () => {
    expect(ratio(50, 200)).toBe(0.25);
    expect(ratio(50, 0)).toBeUndefined();
    expect(ratio(undefined, 2)).toBeUndefined();
  });

  it('gives p50 and p99 of one run', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(summarizeLatencies(samples)).toEqual({ count: 1000, p50: 500, p99: 990 });
  });
});
