/**
 * The line parser on hand-made input: find_pattern's three outcomes and
 * the number readers' exact tolerance (Linux 6.x nf_conntrack_ftp.c).
 * Each case gives the whole segment payload as the helper sees it.
 */
import { describe, expect, it } from "vitest";
import { FtpCommand } from "../src/command.js";
import { getPort, type MatchSpan, tryNumber } from "../src/numbers.js";
import { Found, findPattern, SEARCH } from "../src/search.js";

const enc = (s: string) => new TextEncoder().encode(s);

interface Parsed {
  found: "PARTIAL" | "NONE" | "MATCH";
  /** Search table entry that decided. */
  pattern?: string;
  /** The matched text (what NAT would replace). */
  text?: string;
  off?: number;
  addr?: number[];
  port?: number;
}

const FOUND_NAME = {
  [Found.PARTIAL]: "PARTIAL",
  [Found.NONE]: "NONE",
  [Found.MATCH]: "MATCH",
} as const;

/**
 * Runs the direction's search table over `payload` the way help() does,
 * with the command preset to `sender` (the sending side's address words).
 * The payload sits after 7 bytes of unrelated data, to prove offsets are
 * relative to the payload start.
 */
function parse(
  dir: 0 | 1,
  payload: string,
  family: 4 | 6 = 4,
  sender = [0x0a000002, 0, 0, 0],
): Parsed {
  const body = enc(payload);
  const data = new Uint8Array(7 + body.length);
  data.fill(0x2a, 0, 7);
  data.set(body, 7);
  const cmd = new FtpCommand();
  cmd.family = family;
  cmd.addr.set(sender);
  const span: MatchSpan = { off: -1, len: -1 };
  for (const s of SEARCH[dir] ?? []) {
    const f = findPattern(data, 7, body.length, s, span, cmd);
    if (f === Found.NONE) continue;
    if (f === Found.PARTIAL) return { found: "PARTIAL", pattern: s.pattern };
    return {
      found: FOUND_NAME[f],
      pattern: s.pattern,
      off: span.off,
      text: payload.slice(span.off, span.off + span.len),
      addr: Array.from(cmd.addr),
      port: cmd.port,
    };
  }
  return { found: "NONE" };
}

const client = (p: string) => parse(0, p);
const server = (p: string) => parse(1, p);

describe("PORT (client to server)", () => {
  it("matches the six numbers, offset and length relative to the payload", () => {
    expect(client("PORT 10,0,0,2,19,137\r\n")).toEqual({
      found: "MATCH",
      pattern: "PORT",
      off: 5,
      text: "10,0,0,2,19,137",
      addr: [0x0a000002, 0, 0, 0],
      port: 5001,
    });
  });

  it("is case-insensitive and skips anything up to the first space (PORTX, 'port')", () => {
    expect(client("port 1,2,3,4,0,21\r\n")).toMatchObject({ found: "MATCH", port: 21 });
    expect(client("PoRtX 1,2,3,4,0,21\r\n")).toMatchObject({ found: "MATCH", off: 6 });
    expect(client("PORT-EXTENDED 1,2,3,4,0,21\r\n")).toMatchObject({
      found: "MATCH",
      text: "1,2,3,4,0,21",
    });
  });

  it.each([
    ["P", "a lone first letter"],
    ["POR", "a prefix"],
    ["PORT", "exactly the pattern"],
    ["port", "exactly the pattern, lower case"],
    ["PORT\r\n", "no space before the end"],
    ["PORT 1,2,3,4,5,6\n", "a bare newline instead of CR"],
    ["PORT 1,2,3,4,5,6", "no terminator at all"],
    ["PORT 1,2,3,4,5,6 \r\n", "a space before CR"],
    ["PORT  1,2,3,4,5,6\r\n", "two spaces"],
    ["PORT 1,2,3,4,5\r\n", "five numbers"],
    ["PORT 1,2,3,4,5,6,7\r\n", "seven numbers"],
    ["PORT 1,2,3,4,5,\r\n", "a trailing comma (no, that is six fields: see below)"],
    ["PORT -1,2,3,4,5,6\r\n", "a sign"],
    ["PORT 1.2.3.4.5.6\r\n", "dots"],
  ])("%j is partial (%s): the segment is dropped", (payload) => {
    const r = client(payload);
    if (payload === "PORT 1,2,3,4,5,\r\n") {
      // Six fields, the last one empty: empty fields are zeros.
      expect(r).toMatchObject({ found: "MATCH", addr: [0x01020304, 0, 0, 0], port: 0x500 });
      return;
    }
    expect(r).toEqual({ found: "PARTIAL", pattern: "PORT" });
  });

  it("reads empty fields as 0", () => {
    expect(client("PORT ,,,,,\r\n")).toMatchObject({ found: "MATCH", addr: [0, 0, 0, 0], port: 0 });
  });

  it("does not range-check: fields overlap when OR-ed and wrap as 32-bit values", () => {
    // 256 << 24 is 2^32: gone. 300 << 16 spills into the first byte.
    expect(client("PORT 256,300,3,4,5,6\r\n")).toMatchObject({
      found: "MATCH",
      addr: [((300 << 16) | (3 << 8) | 4) >>> 0, 0, 0, 0],
      port: 0x506,
    });
    // 4294967297 wraps to 1; the port keeps 16 bits of (p1 << 8 | p2).
    expect(client("PORT 4294967297,2,3,4,256,7\r\n")).toMatchObject({
      addr: [0x01020304, 0, 0, 0],
      port: 7,
    });
  });

  it("is not a command unless it starts the payload; other words are nothing", () => {
    expect(client(" PORT 1,2,3,4,5,6\r\n")).toEqual({ found: "NONE" });
    expect(client("NOOP\r\nPORT 1,2,3,4,5,6\r\n")).toEqual({ found: "NONE" });
    expect(client("PX")).toEqual({ found: "NONE" });
    expect(client("PASV\r\n")).toEqual({ found: "NONE" });
    expect(client("LPRT 4,4,1,2,3,4,2,0,21\r\n")).toEqual({ found: "NONE" });
    // A NUL never matches a letter of the pattern.
    expect(client("PO\0T 1,2,3,4,5,6\r\n")).toEqual({ found: "NONE" });
  });

  it("only looks for client commands in the original direction", () => {
    expect(server("PORT 1,2,3,4,5,6\r\n")).toEqual({ found: "NONE" });
    expect(client("227 Entering Passive Mode (1,2,3,4,5,6)\r\n")).toEqual({ found: "NONE" });
  });
});

describe("EPRT (client to server)", () => {
  it("matches from the first to the last delimiter", () => {
    expect(client("EPRT |1|132.235.1.2|6275|\r\n")).toEqual({
      found: "MATCH",
      pattern: "EPRT",
      off: 5,
      text: "|1|132.235.1.2|6275|",
      addr: [0x84eb0102, 0, 0, 0],
      port: 6275,
    });
  });

  it("takes any printable non-digit delimiter, used consistently", () => {
    expect(client("EPRT !1!10.0.0.2!40000!\r\n")).toMatchObject({ found: "MATCH", port: 40000 });
    expect(client("eprt ~1~1.2.3.4~9~")).toMatchObject({ found: "MATCH", text: "~1~1.2.3.4~9~" });
  });

  it.each([
    ["EPRT 1|1|1.2.3.4|5|\r\n", "a digit as delimiter"],
    ["EPRT  1|1.2.3.4|5|\r\n", "a space as delimiter"],
    ["EPRT |1!1.2.3.4|5|\r\n", "a different second delimiter"],
    ["EPRT |2|1.2.3.4|5|\r\n", "protocol 2 on an IPv4 connection"],
    ["EPRT |3|1.2.3.4|5|\r\n", "an unknown protocol"],
    ["EPRT |1|1.2.3|5|\r\n", "three address fields"],
    ["EPRT |1|1.2.3.4.5|5|\r\n", "five address fields"],
    ["EPRT |1|1.2.3.4|0|\r\n", "port 0"],
    ["EPRT |1|1.2.3.4|65536|\r\n", "a port that wraps to 0"],
    ["EPRT |1|1.2.3.4|5x|\r\n", "a letter in the port"],
    ["EPRT |1|1.2.3.4||\r\n", "an empty port"],
    ["EPRT |1|1.2.3.4|5\r\n", "no closing delimiter"],
    ["EPRT |1|", "three bytes after the space"],
  ])("%j is partial (%s)", (payload) => {
    expect(client(payload)).toEqual({ found: "PARTIAL", pattern: "EPRT" });
  });

  it("wraps a port above 65535 to 16 bits", () => {
    expect(client("EPRT |1|1.2.3.4|65557|\r\n")).toMatchObject({ found: "MATCH", port: 21 });
  });

  it("parses an IPv6 address on an IPv6 connection, and only there", () => {
    const v6 = parse(0, "EPRT |2|2001:db8::7|5282|\r\n", 6, [0x20010db8, 1, 0, 2]);
    expect(v6).toEqual({
      found: "MATCH",
      pattern: "EPRT",
      off: 5,
      text: "|2|2001:db8::7|5282|",
      addr: [0x20010db8, 0, 0, 7],
      port: 5282,
    });
    expect(parse(0, "EPRT |1|1.2.3.4|5|\r\n", 6)).toEqual({ found: "PARTIAL", pattern: "EPRT" });
    expect(parse(0, "EPRT |2|2001:db8::7:|5|\r\n", 6)).toEqual({
      found: "PARTIAL",
      pattern: "EPRT",
    });
  });

  it("skips whatever byte ended an IPv6 address with an IPv4 tail", () => {
    // in6_pton stops at the ':' after the dotted quad; the port starts one byte later.
    expect(parse(0, "EPRT |2|::1.2.3.4:99|\r\n", 6)).toMatchObject({
      found: "MATCH",
      addr: [0, 0, 0, 0x01020304],
      port: 99,
      text: "|2|::1.2.3.4:99|",
    });
  });
});

describe("227 (server to client, PASV)", () => {
  it("scans to the first digit: the match is the six numbers only", () => {
    expect(server("227 Entering Passive Mode (198,51,100,2,195,110).\r\n")).toEqual({
      found: "MATCH",
      pattern: "227 ",
      off: 27,
      text: "198,51,100,2,195,110",
      addr: [0xc6336402, 0, 0, 0],
      port: 50030,
    });
  });

  it("needs no parentheses and accepts any terminator", () => {
    expect(server("227 =1,2,3,4,5,6\r\n")).toMatchObject({ found: "MATCH", off: 5, port: 0x506 });
    expect(server("227 1,2,3,4,5,6 ok\r\n")).toMatchObject({ found: "MATCH", off: 4 });
  });

  it.each([
    ["2", "a prefix"],
    ["227", "a prefix"],
    ["227 ", "exactly the pattern"],
    ["227 Entering Passive Mode\r\n", "no digit"],
    ["227 Entering Passive Mode 2 (1,2,3,4,5,6)\r\n", "a stray digit before the numbers"],
    ["227 Entering Passive Mode (1,2,3,4,5,6", "the numbers end the data"],
    ["227 (1,2,3,4,5)\r\n", "five numbers"],
  ])("%j is partial (%s)", (payload) => {
    expect(server(payload)).toEqual({ found: "PARTIAL", pattern: "227 " });
  });

  it("needs the space: 2270 and 227- are other replies", () => {
    expect(server("2270 (1,2,3,4,5,6)\r\n")).toEqual({ found: "NONE" });
    expect(server("227-Entering (1,2,3,4,5,6)\r\n")).toEqual({ found: "NONE" });
  });

  it("tries 229 when 227 is not a prefix (a lone '22' is partial for 227)", () => {
    expect(server("22")).toEqual({ found: "PARTIAL", pattern: "227 " });
    expect(server("229")).toEqual({ found: "PARTIAL", pattern: "229 " });
  });
});

describe("229 (server to client, EPSV)", () => {
  it("matches the three delimiters, the port and the closing one", () => {
    expect(server("229 Entering Extended Passive Mode (|||6446|)\r\n")).toEqual({
      found: "MATCH",
      pattern: "229 ",
      off: 36,
      text: "|||6446|",
      // The address stays the preset sender's address: EPSV names none.
      addr: [0x0a000002, 0, 0, 0],
      port: 6446,
    });
  });

  it("does not need the closing parenthesis", () => {
    expect(server("229 x (!!!21!")).toMatchObject({ found: "MATCH", text: "!!!21!", port: 21 });
  });

  it.each([
    ["229 Entering Extended Passive Mode |||6446|\r\n", "no '('"],
    ["229 (||6446|)\r\n", "two delimiters"],
    ["229 (|!|6446|)\r\n", "mixed delimiters"],
    ["229 (111111)\r\n", "digits as delimiters"],
    ["229 (|||0|)\r\n", "port 0"],
    ["229 (|||6446)\r\n", "no closing delimiter"],
    ["229 (|||", "nothing after the delimiters"],
    ["229 (", "'(' as the last byte"],
  ])("%j is partial (%s)", (payload) => {
    expect(server(payload)).toEqual({ found: "PARTIAL", pattern: "229 " });
  });
});

describe("the readers on their own", () => {
  it("tryNumber counts the bytes before the terminator and needs exactly n-1 separators", () => {
    const d = enc("12,34,56\r");
    expect(tryNumber(d, 0, d.length, 3, 0x2c, 0x0d)).toBe(8);
    expect(tryNumber(d, 0, d.length, 2, 0x2c, 0x0d)).toBe(0);
    expect(tryNumber(d, 0, d.length, 4, 0x2c, 0x0d)).toBe(0);
    // Any terminator when none is required; running out of data is never success.
    expect(tryNumber(d, 0, d.length, 3, 0x2c, 0)).toBe(8);
    expect(tryNumber(d, 0, 8, 3, 0x2c, 0)).toBe(0);
  });

  it("getPort returns the index after the delimiter, relative to the start", () => {
    const cmd = new FtpCommand();
    const d = enc("xx|||65535|");
    expect(getPort(d, 2, 3, d.length - 2, 0x7c, cmd)).toBe(9);
    expect(cmd.port).toBe(65535);
  });
});
