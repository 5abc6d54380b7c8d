import { describe, expect, it } from "vitest";
import {
  copyIpv6,
  formatIpv4,
  formatIpv6,
  formatMac,
  ipv6Equal,
  parseIpv4,
  parseIpv6,
  parseMac,
} from "../src/index.js";
import { inetNtop6, inetPton6Invalid, inetPton6Valid } from "./fixtures/inet-reference.js";
import { fromHex, toHex } from "./support.js";

describe("IPv4 text", () => {
  it("formats unsigned 32-bit addresses", () => {
    expect(formatIpv4(0xc0a80001)).toBe("192.168.0.1");
    expect(formatIpv4(0)).toBe("0.0.0.0");
    expect(formatIpv4(0xffffffff)).toBe("255.255.255.255");
    expect(formatIpv4(0x0a630002)).toBe("10.99.0.2");
  });

  it("parses dotted quads into unsigned numbers", () => {
    expect(parseIpv4("192.168.0.1")).toBe(0xc0a80001);
    expect(parseIpv4("255.255.255.255")).toBe(0xffffffff);
    expect(parseIpv4("0.0.0.0")).toBe(0);
    expect(parseIpv4("10.99.0.2")).toBe(0x0a630002);
  });

  it("rejects what inet_pton rejects", () => {
    for (const bad of [
      "256.1.1.1",
      "1.2.3",
      "1.2.3.4.5",
      "01.2.3.4",
      "1.2.3.-4",
      "",
      "a.b.c.d",
      "1..2.3",
      " 1.2.3.4",
    ]) {
      expect(parseIpv4(bad), bad).toBeUndefined();
    }
  });

  it("round-trips", () => {
    for (const n of [1, 0x7f000001, 0x80000000, 0xdeadbeef, 0x01020304]) {
      expect(parseIpv4(formatIpv4(n))).toBe(n);
    }
  });
});

describe("IPv6 text", () => {
  it("formats exactly as glibc inet_ntop for the reference table", () => {
    expect(inetNtop6.length).toBeGreaterThan(400);
    for (const [hex, text] of inetNtop6) {
      expect(formatIpv6(fromHex(hex)), hex).toBe(text);
    }
  });

  it("formats an address in the middle of a packet buffer", () => {
    const buf = fromHex(`ffff${"20010db8000000000000000000000001"}ffff`);
    expect(formatIpv6(buf, 2)).toBe("2001:db8::1");
  });

  it("parses inet_ntop output back to the same bytes", () => {
    for (const [hex, text] of inetNtop6) {
      const parsed = parseIpv6(text);
      expect(parsed, text).toBeDefined();
      expect(toHex(parsed as Uint8Array), text).toBe(hex);
    }
  });

  it("parses other forms inet_pton accepts", () => {
    for (const [text, hex] of inetPton6Valid) {
      expect(toHex(parseIpv6(text) as Uint8Array), text).toBe(hex);
    }
  });

  it("rejects what inet_pton rejects", () => {
    expect(inetPton6Invalid.length).toBeGreaterThan(10);
    for (const text of inetPton6Invalid) expect(parseIpv6(text), text).toBeUndefined();
  });

  it("parses into a caller's buffer at an offset", () => {
    const out = new Uint8Array(20).fill(0xee);
    expect(parseIpv6("fd99::2", out, 2)).toBe(out);
    expect(toHex(out)).toBe("eeeefd990000000000000000000000000002eeee");
  });

  it("copies and compares addresses inside buffers", () => {
    const a = fromHex("00fd990000000000000000000000000001");
    const out = new Uint8Array(16);
    copyIpv6(a, 1, out);
    expect(formatIpv6(out)).toBe("fd99::1");
    expect(ipv6Equal(a, 1, out, 0)).toBe(true);
    out[15] = 2;
    expect(ipv6Equal(a, 1, out, 0)).toBe(false);
  });
});

describe("MAC text", () => {
  it("formats and parses", () => {
    const mac = fromHex("02000000000a");
    expect(formatMac(mac)).toBe("02:00:00:00:00:0a");
    expect(toHex(parseMac("02:00:00:00:00:0A") as Uint8Array)).toBe("02000000000a");
    expect(toHex(parseMac("aa-bb-cc-dd-ee-ff") as Uint8Array)).toBe("aabbccddeeff");
    expect(parseMac("02:00:00:00:00")).toBeUndefined();
    expect(parseMac("02:00:00:00:00:0g")).toBeUndefined();
  });
});
