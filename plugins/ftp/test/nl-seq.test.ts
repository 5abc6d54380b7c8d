/**
 * Line tracking (find_nl_seq / update_nl_seq): two remembered positions
 * per direction, the older replaced only by a later one, modulo 2^32.
 */
import { describe, expect, it } from "vitest";
import { after, before, FtpLineState } from "../src/nl-seq.js";

describe("FtpLineState", () => {
  it("knows nothing at first, in either direction", () => {
    const st = new FtpLineState();
    expect(st.startsLine(0, 0)).toBe(false);
    expect(st.startsLine(1, 0)).toBe(false);
  });

  it("remembers two positions per direction, separately", () => {
    const st = new FtpLineState();
    st.remember(0, 100);
    st.remember(0, 200);
    st.remember(1, 100);
    expect([st.startsLine(0, 100), st.startsLine(0, 200), st.startsLine(1, 200)]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it("replaces the older of two only with a later position; duplicates change nothing", () => {
    const st = new FtpLineState();
    st.remember(0, 200);
    st.remember(0, 100);
    st.remember(0, 150); // after 100, the older: replaces it
    expect(Array.from(st.seqAfterNl.subarray(0, 2))).toEqual([200, 150]);
    st.remember(0, 120); // before the older (150): ignored
    expect(Array.from(st.seqAfterNl.subarray(0, 2))).toEqual([200, 150]);
    st.remember(0, 200); // known: ignored
    st.remember(0, 300);
    expect(Array.from(st.seqAfterNl.subarray(0, 2))).toEqual([200, 300]);
    expect(st.count[0]).toBe(2);
  });

  it("compares across the 2^32 wrap", () => {
    const st = new FtpLineState();
    st.remember(1, 0xfffffff0);
    st.remember(1, 0xfffffff8);
    st.remember(1, 0x10); // after both, wrapped: replaces the older 0xfffffff0
    expect(Array.from(st.seqAfterNl.subarray(2, 4))).toEqual([0x10, 0xfffffff8]);
    expect(before(0xfffffff8, 0x10)).toBe(true);
    expect(after(0x10, 0xfffffff8)).toBe(true);
    expect(after(5, 5)).toBe(false);
  });
});
