/**
 * help() through a real kernel: segments of an FTP control connection go
 * through the router (conntrack, the CT rule that attaches the helper, the
 * FORWARD filter), and the tests look at what Linux would show — which
 * segments pass, `conntrack -L expect`, whether the data connection is let
 * through as RELATED, and the helper's log lines.
 */
import { describe, expect, it } from "vitest";
import { FtpRig, V4, V6 } from "./support.js";

const PORT_5001 = "PORT 10,0,0,2,19,137\r\n";
const EXPECT_5001 =
  "300 proto=6 src=198.51.100.2 dst=10.0.0.2 sport=0 dport=5001 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=10.0.0.2 master-dst=198.51.100.2 sport=40000 dport=21 class=0 helper=ftp";

/** A v4 session past the greeting and USER, so both directions start lines. */
async function session(params?: string[]): Promise<FtpRig> {
  const r = await FtpRig.create(params ? { params } : {});
  r.openSession();
  return r;
}

describe("active mode (PORT, EPRT)", () => {
  it("PORT opens the server's data connection from port 20, once", async () => {
    const r = await session();
    expect(r.send(true, PORT_5001)).toBe(true);
    expect(r.expectLines()).toEqual([EXPECT_5001]);
    expect(r.dataSyn(true, V4.server, V4.client, 20, 5001)).toBe(true);
    expect(r.expectations()).toHaveLength(0);
    // One-shot: another connection to the same port is NEW and the filter drops it.
    expect(r.dataSyn(true, V4.server, V4.client, 2020, 5001)).toBe(false);
  });

  it("the expectation's source port is a wildcard and its source address exact", async () => {
    const r = await session();
    r.send(true, PORT_5001);
    expect(r.dataSyn(true, V4.server, V4.client, 33333, 5001)).toBe(true);
    r.send(true, PORT_5001);
    expect(r.dataSyn(true, "198.51.100.3", V4.client, 20, 5001)).toBe(false);
    expect(r.dataSyn(true, V4.server, V4.client, 20, 5002)).toBe(false);
  });

  it("EPRT works like PORT", async () => {
    const r = await session();
    expect(r.send(true, "EPRT |1|10.0.0.2|5282|\r\n")).toBe(true);
    expect(r.expectLines()).toEqual([EXPECT_5001.replace("dport=5001", "dport=5282")]);
  });

  it("the first segment of each direction is never parsed", async () => {
    const r = await FtpRig.create();
    r.handshake();
    expect(r.send(true, PORT_5001)).toBe(true);
    expect(r.send(false, "227 Entering Passive Mode (198,51,100,2,19,137)\r\n")).toBe(true);
    expect(r.expectations()).toHaveLength(0);
    // Both ended in a newline: the next segments are parsed.
    expect(r.send(true, PORT_5001)).toBe(true);
    expect(r.expectations()).toHaveLength(1);
  });

  it("a segment that does not end a line makes the next one unparsed", async () => {
    const r = await session();
    expect(r.send(true, "NOOP")).toBe(true);
    expect(r.send(true, PORT_5001)).toBe(true);
    expect(r.expectations()).toHaveLength(0);
    expect(r.send(true, PORT_5001)).toBe(true);
    expect(r.expectations()).toHaveLength(1);
  });

  it("only the first line of a segment is looked at", async () => {
    const r = await session();
    expect(r.send(true, `NOOP\r\n${PORT_5001}`)).toBe(true);
    expect(r.expectations()).toHaveLength(0);
  });

  it("one pending expectation per control connection: a new PORT replaces the old", async () => {
    const r = await session();
    r.send(true, PORT_5001);
    r.send(true, "PORT 10,0,0,2,19,138\r\n");
    expect(r.expectations().map((e) => e.tuple.dport)).toEqual([5002]);
  });

  it("a retransmitted PORT is parsed again and refreshes the expectation", async () => {
    const r = await session();
    const seq = r.nextSeq[0] as number;
    r.send(true, PORT_5001);
    r.time += 100;
    expect(r.resend(true, PORT_5001, seq)).toBe(true);
    expect(r.expectLines()).toEqual([EXPECT_5001]); // 300 s again, not 200
  });

  it("only the last two line starts are remembered: an older retransmission is not parsed", async () => {
    const r = await session();
    const seq = r.nextSeq[0] as number;
    r.send(true, PORT_5001);
    r.send(true, "NOOP\r\n");
    r.time += 100;
    expect(r.resend(true, PORT_5001, seq)).toBe(true);
    expect(r.expectLines()).toEqual([EXPECT_5001.replace(/^300/, "200")]);
  });
});

describe("passive mode (227, 229)", () => {
  it("227 opens the client's data connection to the server", async () => {
    const r = await session();
    r.send(true, "PASV\r\n");
    expect(r.send(false, "227 Entering Passive Mode (198,51,100,2,195,110).\r\n")).toBe(true);
    expect(r.expectLines()).toEqual([
      "300 proto=6 src=10.0.0.2 dst=198.51.100.2 sport=0 dport=50030 mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535 master-src=10.0.0.2 master-dst=198.51.100.2 sport=40000 dport=21 class=0 helper=ftp",
    ]);
    expect(r.dataSyn(false, V4.client, V4.server, 40001, 50030)).toBe(true);
  });

  it("229 names no address: the server's is used", async () => {
    const r = await session();
    expect(r.send(false, "229 Entering Extended Passive Mode (|||6446|)\r\n")).toBe(true);
    expect(r.expectations()[0]?.tuple.dport).toBe(6446);
    expect(r.dataSyn(false, V4.client, V4.server, 40001, 6446)).toBe(true);
  });

  it("a PASV reply from the client, or a PORT from the server, is ignored", async () => {
    const r = await session();
    expect(r.send(true, "227 Entering Passive Mode (10,0,0,2,1,1)\r\n")).toBe(true);
    expect(r.send(false, "PORT 198,51,100,2,1,1\r\n")).toBe(true);
    expect(r.expectations()).toHaveLength(0);
  });
});

describe("malformed or partial announcements: drop and log", () => {
  const partial = (p: string) => `nf_ct_ftp: dropping packet: partial matching of \`${p}' `;

  it.each([
    ["PORT ending in a bare \\n", true, "PORT 10,0,0,2,19,137\n", "PORT"],
    ["PORT with no numbers", true, "PORT\r\n", "PORT"],
    ["EPRT with a digit delimiter", true, "EPRT 1|1|10.0.0.2|5|\r\n", "EPRT"],
    ["EPRT for IPv6 on IPv4", true, "EPRT |2|::1|5|\r\n", "EPRT"],
    ["227 with a stray digit", false, "227 Entering Passive Mode 2 (198,51,100,2,1,1)\r\n", "227 "],
    ["227 with no numbers", false, "227 Entering Passive Mode\r\n", "227 "],
    ["229 without '('", false, "229 Entering Extended Passive Mode |||6446|\r\n", "229 "],
  ])("%s", async (_what, fromClient, payload, pattern) => {
    const r = await session();
    const seq = r.nextSeq[fromClient ? 0 : 1] as number;
    expect(r.send(fromClient, payload)).toBe(false);
    expect(r.expectations()).toHaveLength(0);
    expect(r.logs()).toEqual([partial(pattern)]);
    // Line tracking did not move: the retransmission is parsed (and dropped) again.
    expect(r.resend(fromClient, payload, seq)).toBe(false);
    // A corrected retransmission of that position passes.
    expect(r.resend(fromClient, "NOOP\r\n", seq)).toBe(true);
  });

  it("a command split over segments is dropped until the sender resends it whole", async () => {
    const r = await session();
    const seq = r.nextSeq[0] as number;
    expect(r.send(true, "PO")).toBe(false);
    expect(r.resend(true, "PORT 10,0,0,2,1", seq)).toBe(false);
    expect(r.logs()).toEqual([
      "nf_ct_ftp: dropping packet: partial matching of `PORT' ",
      "nf_ct_ftp: dropping packet: partial matching of `PORT' ",
    ]);
    expect(r.resend(true, PORT_5001, seq)).toBe(true);
    expect(r.expectLines()).toEqual([EXPECT_5001]);
  });

  it("the tail of a split command is not a line start: accepted, nothing expected", async () => {
    const r = await session();
    expect(r.send(true, "PORT 10,0,0,2,19,137")).toBe(false);
    // The sender's TCP would resend from the start; a segment carrying only the rest passes unparsed.
    expect(r.send(true, "\r\n")).toBe(true);
    expect(r.expectations()).toHaveLength(0);
  });

  it("uses the helper's own name in the log", async () => {
    const r = await FtpRig.create({ params: ["ports=2121"], port: 2121 });
    r.openSession();
    expect(r.send(true, "PORT 1\r\n")).toBe(false);
    expect(r.logs()).toContain("nf_ct_ftp-2121: dropping packet: partial matching of `PORT' ");
  });

  it("drops with 'cannot add expectation' when another connection already expects the same", async () => {
    const r = await session();
    r.send(true, PORT_5001);
    // A second control connection from the same client announcing the same port clashes (EBUSY).
    r.clientPort = 40002;
    r.nextSeq[0] = 1000;
    r.nextSeq[1] = 50000;
    r.openSession();
    expect(r.send(true, PORT_5001)).toBe(false);
    expect(r.logs()).toEqual(["nf_ct_ftp: dropping packet: cannot add expectation "]);
    expect(r.expectations()).toHaveLength(1);
    // Line tracking moved on anyway (the drop came after parsing), as in Linux.
    expect(r.send(true, "PORT 10,0,0,2,19,138\r\n")).toBe(true);
  });
});

describe("the announced address", () => {
  it("another host's address opens nothing without loose, and the command passes", async () => {
    const r = await session();
    expect(r.send(true, "PORT 10,0,0,99,19,137\r\n")).toBe(true);
    expect(r.expectations()).toHaveLength(0);
    expect(r.logs()).toEqual([]);
  });

  it("with loose=1 (writable at run time) the announced address is expected", async () => {
    const r = await session();
    r.k.modules.setParam("nf_conntrack_ftp", "loose", "1");
    expect(r.send(true, "PORT 10,0,0,99,19,137\r\n")).toBe(true);
    expect(r.expectLines()).toEqual([EXPECT_5001.replace("dst=10.0.0.2 ", "dst=10.0.0.99 ")]);
    r.k.modules.setParam("nf_conntrack_ftp", "loose", "0");
    r.send(true, "PORT 10,0,0,98,19,138\r\n");
    expect(r.expectations()[0]?.tuple.dport).toBe(5001);
  });

  it("227 naming another server: nothing without loose", async () => {
    const r = await session();
    expect(r.send(false, "227 Entering Passive Mode (198,51,100,9,1,1)\r\n")).toBe(true);
    expect(r.expectations()).toHaveLength(0);
  });
});

describe("IPv6", () => {
  async function session6(params?: string[]): Promise<FtpRig> {
    const r = await FtpRig.create({ family: 6, ...(params ? { params } : {}) });
    r.openSession();
    return r;
  }
  const EXPECT6 =
    "300 proto=6 src=2001:db8:2::2 dst=2001:db8:1::2 sport=0 dport=5282 mask-src=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff mask-dst=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff sport=0 dport=65535 master-src=2001:db8:1::2 master-dst=2001:db8:2::2 sport=40000 dport=21 class=0 helper=ftp";

  it("EPRT |2| opens the data connection", async () => {
    const r = await session6();
    expect(r.send(true, "EPRT |2|2001:db8:1::2|5282|\r\n")).toBe(true);
    expect(r.expectLines()).toEqual([EXPECT6]);
    expect(r.dataSyn(true, V6.server, V6.client, 20, 5282)).toBe(true);
  });

  it("accepts the kernel's spelling quirks of the address", async () => {
    const r = await session6();
    expect(r.send(true, "EPRT |2|2001:0DB8:0001:0000:0000:0000:0000:00002|5282|\r\n")).toBe(true);
    expect(r.expectLines()).toEqual([EXPECT6]);
  });

  it("EPRT |1| on IPv6 is partial: dropped", async () => {
    const r = await session6();
    expect(r.send(true, "EPRT |1|10.0.0.2|5282|\r\n")).toBe(false);
    expect(r.logs()).toEqual(["nf_ct_ftp: dropping packet: partial matching of `EPRT' "]);
  });

  it("EPSV works", async () => {
    const r = await session6();
    expect(r.send(false, "229 Entering Extended Passive Mode (|||6446|)\r\n")).toBe(true);
    expect(r.dataSyn(false, V6.client, V6.server, 40001, 6446)).toBe(true);
  });

  it("PORT fills only the first 4 address bytes: no expectation unless loose", async () => {
    const r = await session6();
    expect(r.send(true, "PORT 10,0,0,2,20,162\r\n")).toBe(true);
    expect(r.expectations()).toHaveLength(0);
    r.k.modules.setParam("nf_conntrack_ftp", "loose", "Y");
    expect(r.send(true, "PORT 10,0,0,2,20,162\r\n")).toBe(true);
    // The expected address is the client's with its first 32 bits replaced.
    expect(r.expectLines()).toEqual([EXPECT6.replace("dst=2001:db8:1::2 ", "dst=a00:2:1::2 ")]);
  });

  it("PORT whose numbers equal the first 32 bits of the client's address passes the check", async () => {
    const r = await session6();
    // 2001:0db8 = 32,1,13,184: the comparison covers all 16 bytes, the rest being the client's.
    expect(r.send(true, "PORT 32,1,13,184,20,162\r\n")).toBe(true);
    expect(r.expectLines()).toEqual([EXPECT6]);
  });
});

describe("size and case", () => {
  it("passes huge lines untouched and still tracks lines after them", async () => {
    const r = await session();
    expect(r.send(true, `NOOP ${"x".repeat(30000)}\r\n`)).toBe(true);
    expect(r.send(true, PORT_5001)).toBe(true);
    expect(r.expectations()).toHaveLength(1);
  });

  it("drops a huge PORT line whose numbers never come", async () => {
    const r = await session();
    expect(r.send(true, `PORT${"x".repeat(20000)}\r\n`)).toBe(false);
    expect(r.send(false, `227 ${"y".repeat(20000)}\r\n`)).toBe(false);
  });

  it("matches commands in any case, and PORTX", async () => {
    const r = await session();
    expect(r.send(true, "port 10,0,0,2,19,137\r\n")).toBe(true);
    expect(r.expectations()).toHaveLength(1);
    r.send(true, "PORTX 10,0,0,2,19,138\r\n");
    expect(r.expectations()[0]?.tuple.dport).toBe(5002);
  });
});
