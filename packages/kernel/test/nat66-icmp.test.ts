/**
 * ICMPv6 errors about NATed connections (nf_nat_icmpv6_reply_translation)
 * through the datapath: the quoted packet is translated back, the ICMPv6
 * checksum recomputed, the outer header rewritten. Expected packets are
 * built from scratch, so every checksum is compared with a full one.
 */
import { buildIcmp, buildTcp, buildUdp, readU16 } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { C1, C2, hex, MASQ6, router6, SRV, WAN } from "./nat66-support.js";

const PORT_UNREACH = { type: 1, code: 4 };

describe("ICMPv6 errors through MASQUERADE", () => {
  it("a port unreachable quoting the second client's remapped flow reaches it with its own packet quoted", async () => {
    const r = await router6([MASQ6]);
    const probe = (src: string) =>
      buildUdp({ src, dst: SRV, sport: 40071, dport: 9, payload: "probe" });
    r.feed(r.lan, probe(C1));
    r.feed(r.lan, probe(C2));
    const quoted = r.out[1]?.bytes as Uint8Array;
    const port = readU16(quoted, 40);
    expect(port).not.toBe(40071);
    r.feed(r.wan, buildIcmp({ src: SRV, dst: WAN, ...PORT_UNREACH, payload: quoted }));
    expect(r.out[2]?.ifname).toBe("lan");
    const seen = buildUdp({ src: C2, dst: SRV, ttl: 63, sport: 40071, dport: 9, payload: "probe" });
    expect(hex(r.out[2]?.bytes)).toBe(
      hex(buildIcmp({ src: SRV, dst: C2, ttl: 63, ...PORT_UNREACH, payload: seen })),
    );
  });

  it("translates a quoted TCP header with its checksum when all 20 bytes are quoted", async () => {
    const r = await router6([MASQ6]);
    const syn = { sport: 40041, dport: 8080, seq: 77, flags: 0x02 };
    r.feed(r.lan, buildTcp({ src: C1, dst: SRV, ...syn }));
    const quoted = r.out[0]?.bytes as Uint8Array;
    r.feed(r.wan, buildIcmp({ src: SRV, dst: WAN, ...PORT_UNREACH, payload: quoted }));
    const seen = buildTcp({ src: C1, dst: SRV, ttl: 63, ...syn });
    expect(hex(r.out[1]?.bytes)).toBe(
      hex(buildIcmp({ src: SRV, dst: C1, ttl: 63, ...PORT_UNREACH, payload: seen })),
    );
  });

  it("rewrites only the ports of a quoted TCP header cut after 8 bytes", async () => {
    const r = await router6([MASQ6]);
    const syn = { sport: 40041, dport: 8080, seq: 77, flags: 0x02 };
    r.feed(r.lan, buildTcp({ src: C1, dst: SRV, ...syn }));
    r.feed(r.lan, buildTcp({ src: C2, dst: SRV, ...syn }));
    const sent = r.out[1]?.bytes as Uint8Array;
    const port = readU16(sent, 40);
    // The error quotes the IPv6 header and the ports and sequence number only.
    const cut = sent.slice(0, 48);
    r.feed(r.wan, buildIcmp({ src: SRV, dst: WAN, type: 3, code: 0, payload: cut }));
    const expected = buildTcp({ src: C2, dst: SRV, ttl: 63, ...syn }).slice(0, 48);
    expect(port).not.toBe(40041);
    expect(hex(r.out[2]?.bytes)).toBe(
      hex(buildIcmp({ src: SRV, dst: C2, ttl: 63, type: 3, code: 0, payload: expected })),
    );
  });

  it("maps the id of a quoted echo request back, with its checksum", async () => {
    const r = await router6([MASQ6]);
    const echo = { type: 128, id16: 0x3333, seq16: 9, payload: "ping" };
    r.feed(r.lan, buildIcmp({ src: C1, dst: SRV, ...echo }));
    r.feed(r.lan, buildIcmp({ src: C2, dst: SRV, ...echo }));
    const quoted = r.out[1]?.bytes as Uint8Array;
    expect(readU16(quoted, 44)).not.toBe(0x3333);
    r.feed(r.wan, buildIcmp({ src: SRV, dst: WAN, type: 4, code: 0, seq16: 6, payload: quoted }));
    const seen = buildIcmp({ src: C2, dst: SRV, ttl: 63, ...echo });
    expect(hex(r.out[2]?.bytes)).toBe(
      hex(buildIcmp({ src: SRV, dst: C2, ttl: 63, type: 4, code: 0, seq16: 6, payload: seen })),
    );
  });

  it("drops an error whose ICMPv6 checksum is wrong", async () => {
    const r = await router6([MASQ6]);
    r.feed(r.lan, buildUdp({ src: C1, dst: SRV, sport: 40071, dport: 9, payload: "probe" }));
    const err = buildIcmp({ src: SRV, dst: WAN, ...PORT_UNREACH, payload: r.out[0]?.bytes });
    err[42] = (err[42] as number) ^ 0x11;
    r.feed(r.wan, err);
    expect(r.out).toHaveLength(1);
  });

  it("the router's own time exceeded about a de-NATed reply quotes the reply as the server sent it", async () => {
    const r = await router6([MASQ6]);
    r.feed(r.lan, buildUdp({ src: C1, dst: SRV, sport: 40070, dport: 5000, payload: "a" }));
    // The reply arrives with hop limit 1: de-NATed at PREROUTING, then it cannot be forwarded.
    const reply = buildUdp({ src: SRV, dst: WAN, ttl: 1, sport: 5000, dport: 40070, payload: "b" });
    r.feed(r.wan, reply.slice());
    const err = r.out[1]?.bytes as Uint8Array;
    expect(r.out[1]?.ifname).toBe("wan");
    // Everything after the version/class/flow-label word: the router picks the flow label.
    const expected = buildIcmp({ src: WAN, dst: SRV, ttl: 64, type: 3, code: 0, payload: reply });
    expect(hex(err.subarray(4))).toBe(hex(expected.subarray(4)));
  });
});
