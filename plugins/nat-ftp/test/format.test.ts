/**
 * nf_nat_ftp_fmt_cmd's output, character for character: decimal numbers
 * for PORT/227, EPRT with a dotted quad or an uncompressed IPv6 address
 * (%pI6), EPSV with the port only.
 */
import { FtpType } from "@ctkit/plugin-ftp";
import { describe, expect, it } from "vitest";
import { formatAnnouncement, MAX_FORMATTED } from "../dist/index.js";

function fmt(type: FtpType, family: 4 | 6, words: number[], port: number): string {
  const out = new Uint8Array(MAX_FORMATTED);
  const len = formatAnnouncement(out, type, family, Uint32Array.from(words), port);
  return Buffer.from(out.subarray(0, len)).toString("latin1");
}

const WAN = 0xc6336401; // 198.51.100.1

describe("formatAnnouncement", () => {
  it("writes PORT and 227 numbers: address bytes, port high and low byte", () => {
    expect(fmt(FtpType.PORT, 4, [WAN, 0, 0, 0], 0x1389)).toBe("198,51,100,1,19,137");
    expect(fmt(FtpType.PASV, 4, [0x0a000002, 0, 0, 0], 21)).toBe("10,0,0,2,0,21");
    expect(fmt(FtpType.PORT, 4, [0, 0, 0, 0], 65535)).toBe("0,0,0,0,255,255");
  });

  it("writes EPRT for IPv4 with '|' delimiters whatever the client used", () => {
    expect(fmt(FtpType.EPRT, 4, [WAN, 0, 0, 0], 50000)).toBe("|1|198.51.100.1|50000|");
  });

  it("writes EPRT for IPv6 in the uncompressed %pI6 form", () => {
    const a = [0x20010db8, 0x00020000, 0, 1];
    expect(fmt(FtpType.EPRT, 6, a, 6275)).toBe("|2|2001:0db8:0002:0000:0000:0000:0000:0001|6275|");
    const max = [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff];
    expect(fmt(FtpType.EPRT, 6, max, 65535)).toHaveLength(MAX_FORMATTED);
  });

  it("writes EPSV as the port between three and one delimiters", () => {
    expect(fmt(FtpType.EPSV, 4, [WAN, 0, 0, 0], 1)).toBe("|||1|");
    expect(fmt(FtpType.EPSV, 6, [0, 0, 0, 0], 65535)).toBe("|||65535|");
  });

  it("writes PORT/227 on an IPv6 connection from the first four address bytes, as Linux does", () => {
    expect(fmt(FtpType.PORT, 6, [0x20010db8, 2, 0, 1], 256)).toBe("32,1,13,184,1,0");
  });
});
