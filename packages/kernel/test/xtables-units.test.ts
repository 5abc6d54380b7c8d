/**
 * The small parsers and printers the command line is built from, checked
 * against what the C functions they mirror return.
 */
import { describe, expect, it } from "vitest";
import { numericToIpv4, parseAddressList, saveAddress } from "../src/xtables/addr.js";
import { XtablesError } from "../src/xtables/errors.js";
import { parseIcmpType, printIcmpType, saveIcmpType } from "../src/xtables/icmp-types.js";
import { Fmt, printNum } from "../src/xtables/listing.js";
import { getServByName, getServByPort, protoName } from "../src/xtables/netdb.js";
import { saveString } from "../src/xtables/save-string.js";
import { strtoui, strtoul } from "../src/xtables/strtoul.js";

describe("strtoul (base 0)", () => {
  it.each<[string, number | undefined]>([
    ["22", 22],
    ["0x16", 22],
    ["026", 22],
    ["08", undefined], // octal stops at 8: trailing garbage
    [" 7", 7],
    ["+7", 7],
    ["-1", undefined], // wraps to a huge value
    ["", undefined],
    ["0x", undefined],
    ["65536", undefined],
  ])("%j in 0..65535 is %j", (text, want) => {
    expect(strtoui(text, 0, 65535)).toBe(want);
  });

  it("reports where the number ends", () => {
    expect(strtoul("80-90")).toEqual({ value: 80, end: 2 });
    expect(strtoul("x")).toBeNull();
  });
});

describe("IPv4 addresses as xtables reads them", () => {
  it.each<[string, string | undefined]>([
    ["1.2.3.4", "1.2.3.4"],
    ["1.2.3", "1.2.3.0"],
    ["10", "10.0.0.0"],
    ["0x0a.010.1.1", "10.8.1.1"],
    ["1.2.3.4.5", undefined],
    ["256.1.1.1", undefined],
    ["", undefined],
  ])("%j is %j", (text, want) => {
    const v = numericToIpv4(text);
    expect(
      v === undefined
        ? undefined
        : [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join("."),
    ).toBe(want);
  });

  it("masks the address, expands lists, names only loopback", () => {
    const l = parseAddressList("iptables", 4, "10.1.2.3/8,localhost");
    expect(l.map((a) => saveAddress(4, "s", a, false))).toEqual([
      " -s 10.0.0.0/8",
      " -s 127.0.0.1/32",
    ]);
    expect(() => parseAddressList("iptables", 4, "example.com")).toThrow(XtablesError);
    // A zero mask ignores the name entirely.
    expect(
      saveAddress(4, "d", (parseAddressList("iptables", 4, "example.com/0") as never)[0], true),
    ).toBe(" ! -d 0.0.0.0/0");
    const v6 = parseAddressList("ip6tables", 6, "2001:db8::1/ffff:ffff::ff00:0:0")[0];
    expect(saveAddress(6, "s", v6 as never, false)).toBe(" -s 2001:db8::/ffff:ffff::ff00:0:0");
  });
});

describe("xtables_print_num", () => {
  it.each<[number, string]>([
    [0, "    0 "],
    [99999, "99999 "],
    [100000, " 100K "],
    [9999499, "9999K "],
    [9999500, "  10M "],
    [1234567890, "1235M "],
    [9999500000, "  10G "],
    [12345678901234, "  12T "],
  ])("%d packets print as %j", (n, want) => {
    expect(printNum(n, Fmt.KILOMEGAGIGA)).toBe(want);
  });

  it("prints exact values 8 wide with -x and bare in the policy line", () => {
    expect(printNum(1234567, 0)).toBe(" 1234567 ");
    expect(printNum(1234567, Fmt.KILOMEGAGIGA | Fmt.NOTABLE)).toBe("1235K ");
  });
});

describe("ICMP types", () => {
  it("parses names by unique prefix and numbers with an optional code", () => {
    expect(parseIcmpType("iptables", false, "echo-req")).toEqual({
      type: 8,
      codeMin: 0,
      codeMax: 255,
    });
    expect(parseIcmpType("iptables", false, "3/4")).toEqual({ type: 3, codeMin: 4, codeMax: 4 });
    expect(() => parseIcmpType("iptables", false, "echo")).toThrow(
      "Ambiguous ICMP type `echo': `echo-reply' or `echo-request'?",
    );
    expect(parseIcmpType("ip6tables", true, "neighbor-solicitation").type).toBe(135);
  });

  it("prints the table name unless numeric, and saves numbers", () => {
    const r = { type: 3, codeMin: 1, codeMax: 1 };
    expect(printIcmpType(false, r, false, false)).toBe(" host-unreachable");
    expect(printIcmpType(false, r, true, true)).toBe(" !type 3 code 1");
    expect(printIcmpType(false, { type: 3, codeMin: 1, codeMax: 4 }, false, true)).toBe(
      "type 3 codes 1-4",
    );
    expect(saveIcmpType(false, r)).toBe("3/1");
    expect(saveIcmpType(false, { type: 255, codeMin: 0, codeMax: 255 })).toBe("any");
  });
});

describe("name databases", () => {
  it("knows protocols and services like netbase", () => {
    expect([protoName(0), protoName(47), protoName(58), protoName(135), protoName(253)]).toEqual([
      "all",
      "gre",
      "ipv6-icmp",
      "mobility-header",
      null,
    ]);
    expect([getServByName("www", "tcp"), getServByName("domain", "udp")]).toEqual([80, 53]);
    expect([getServByPort(21, "tcp"), getServByPort(1723, "tcp")]).toEqual(["ftp", undefined]);
  });

  it("quotes saved strings that need it", () => {
    expect(saveString("ftp-2121")).toBe(" ftp-2121");
    expect(saveString("")).toBe(' ""');
    expect(saveString('a "b"')).toBe(' "a \\"b\\""');
  });
});
