/**
 * in4_pton/in6_pton as the kernel accepts them (the address of an IPv6
 * EPRT): ordinary forms agree with a plain IPv6 parser; the kernel's
 * quirks (unlimited leading zeros, NUL/end of data as terminator, an IPv4
 * tail ending at ':') are kept.
 */
import { formatIpv6, parseIpv6 } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { in4Pton, in6Pton } from "../src/inet-pton.js";

const PIPE = 0x7c;

/** Parses `text` (which should end where the address ends); returns [end index, address text] or null. */
function v6(text: string, delim = PIPE): [number, string] | null {
  const data = new TextEncoder().encode(text);
  const out = new Uint32Array([1, 2, 3, 4]);
  const end = in6Pton(data, 0, data.length, delim, out);
  if (end < 0) {
    // Failure leaves the output alone.
    expect(Array.from(out)).toEqual([1, 2, 3, 4]);
    return null;
  }
  const bytes = new Uint8Array(16);
  new DataView(bytes.buffer).setUint32(0, out[0] as number);
  new DataView(bytes.buffer).setUint32(4, out[1] as number);
  new DataView(bytes.buffer).setUint32(8, out[2] as number);
  new DataView(bytes.buffer).setUint32(12, out[3] as number);
  return [end, formatIpv6(bytes)];
}

describe("in6Pton", () => {
  it.each([
    "2001:db8::1",
    "::",
    "::1",
    "1::",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7::",
    "::2:3:4:5:6:7:8",
    "fe80::a:B:c",
    "2001:DB8:0:0:8:800:200C:417A",
    "::ffff:192.0.2.33",
    "64:ff9b::198.51.100.7",
    "1:2:3:4:5:6:1.2.3.4",
  ])("parses %s like any IPv6 parser, stopping at the delimiter", (addr) => {
    const expected = formatIpv6(parseIpv6(addr) as Uint8Array);
    expect(v6(`${addr}|5000|`)).toEqual([addr.length, expected]);
  });

  it.each([
    ["", "an empty address"],
    [":", "a lone colon"],
    [":1::", "a single leading colon"],
    ["1::2::3", "two gaps"],
    ["1:2:3:4:5:6:7:8:9", "nine groups"],
    ["1:2:3:4:5:6:7", "seven groups and no gap"],
    ["12345::", "five significant hex digits"],
    ["1.2.3.4", "a bare dotted quad"],
    ["::1.2.3", "a short IPv4 tail"],
    ["::1.2.3.4.5", "a long IPv4 tail"],
    ["::256.1.1.1", "an octet above 255"],
    ["::1..2.3", "an empty octet"],
    ["::a.1.2.3", "a hex digit in the IPv4 tail"],
    ["2001:db8::g", "a non-hex letter"],
    ["2001:db8:: 1", "a space"],
  ])("refuses %j (%s)", (addr) => {
    expect(v6(`${addr}|21|`)).toBeNull();
  });

  it("accepts any number of leading zeros in a group", () => {
    expect(v6("00000000001::0002|")).toEqual([17, "1::2"]);
  });

  it("ends at a NUL byte or at the end of the data as at the delimiter", () => {
    expect(v6("2001:db8::5\0|7|")).toEqual([11, "2001:db8::5"]);
    expect(v6("2001:db8::5")).toEqual([11, "2001:db8::5"]);
  });

  it("lets an IPv4 tail end at a colon (the caller then skips that byte)", () => {
    expect(v6("::1.2.3.4:21|")).toEqual([9, "::1.2.3.4"]);
  });

  it("uses the delimiter it is given", () => {
    expect(v6("::1!9!", 0x21)).toEqual([3, "::1"]);
    expect(v6("::1!9!")).toBeNull();
  });

  it("respects the length it is given, not the buffer's", () => {
    const data = new TextEncoder().encode("xx::7|");
    const out = new Uint32Array(4);
    expect(in6Pton(data, 2, 2, PIPE, out)).toBe(4);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
    expect(in6Pton(data, 2, 3, PIPE, out)).toBe(5);
    expect(out[3]).toBe(7);
  });
});

describe("in4Pton", () => {
  const run = (text: string): [number, number[]] | null => {
    const data = new TextEncoder().encode(text);
    const out = new Uint8Array(6).fill(9);
    const end = in4Pton(data, 0, data.length, PIPE, out, 1);
    return end < 0 ? null : [end, Array.from(out)];
  };

  it("writes four octets at the offset and returns where it stopped", () => {
    expect(run("192.0.2.255|")).toEqual([11, [9, 192, 0, 2, 255, 9]]);
    expect(run("0.00.000.0")).toEqual([10, [9, 0, 0, 0, 0, 9]]);
  });

  it.each(["1.2.3", "1.2.3.4.", "1.2.3.256", "1..2.3", ".1.2.3", "1.2.3.a", "1.2.3.4x"])(
    "refuses %j",
    (text) => {
      expect(run(text)).toBeNull();
    },
  );
});
