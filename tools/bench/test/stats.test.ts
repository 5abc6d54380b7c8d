import { describe, expect, it } from "vitest";
import { median, percentile, summarize } from "../src/stats.js";

describe("median", () => {
  it("is the middle value of an odd count, whatever the input order", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([9, 7, 5, 1, 3])).toBe(5);
  });

  it("is the mean of the two middle values of an even count", () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([10, 20])).toBe(15);
  });

  it("of one value is that value", () => {
    expect(median([42])).toBe(42);
  });
});

describe("percentile", () => {
  const oneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  it("interpolates between the nearest ranks", () => {
    // rank 0.9 × 9 = 8.1 → 9 + 0.1 × (10 − 9)
    expect(percentile(oneToTen, 90)).toBeCloseTo(9.1, 12);
    // rank 0.25 × 9 = 2.25 → 3 + 0.25 × (4 − 3)
    expect(percentile(oneToTen, 25)).toBeCloseTo(3.25, 12);
    expect(percentile([0, 100], 37)).toBeCloseTo(37, 12);
  });

  it("is the minimum at 0 and the maximum at 100", () => {
    expect(percentile([5, -2, 8], 0)).toBe(-2);
    expect(percentile([5, -2, 8], 100)).toBe(8);
  });

  it("sorts numerically, not as strings", () => {
    expect(median([100, 9, 20])).toBe(20);
  });

  it("leaves its input untouched", () => {
    const xs = [3, 1, 2];
    percentile(xs, 90);
    expect(xs).toEqual([3, 1, 2]);
  });

  it("rejects an empty list and a percentile outside 0..100", () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe("summarize", () => {
  it("reports count, median, p90, min and max", () => {
    expect(summarize([10, 2, 6, 4, 8])).toEqual({ n: 5, median: 6, p90: 9.2, min: 2, max: 10 });
  });
});
