/**
 * An ICMPv6 error quoting a packet that carries extension headers is
 * RELATED to that packet's connection: conntrack walks the quoted
 * headers as ipv6_skip_exthdr does (checked against Linux 6.18).
 */
import { buildIcmp, buildUdp } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { Kernel } from "../dist/index.js";

const C = "2001:db8:1::2";
const S = "2001:db8:2::2";

/** `p` (IPv6, no extension headers) with an 8-byte destination-options header inserted. */
function withDestOpts(p: Uint8Array): Uint8Array {
  const out = new Uint8Array(p.length + 8);
  out.set(p.subarray(0, 40));
  out[6] = 60; // next header: destination options
  out[4] = ((p.length - 40 + 8) >> 8) & 0xff;
  out[5] = (p.length - 40 + 8) & 0xff;
  out.set([p[6] as number, 0, 1, 4, 0, 0, 0, 0], 40); // next = UDP, PadN
  out.set(p.subarray(40), 48);
  return out;
}

describe("ICMPv6 errors quoting extension headers", () => {
  it("are RELATED to the quoted connection", async () => {
    const k = new Kernel({ clock: () => 1000 });
    k.net.ip(["-6", "addr", "add", "2001:db8:1::1/64", "dev", "lan"]);
    k.net.ip(["-6", "addr", "add", "2001:db8:2::1/64", "dev", "wan"]);
    k.sysctl.set("net.ipv6.conf.all.forwarding", "1");
    for (const r of [
      ["-P", "FORWARD", "DROP"],
      ["-A", "FORWARD", "-i", "lan", "-j", "ACCEPT"],
      ["-A", "FORWARD", "-m", "conntrack", "--ctstate", "RELATED", "-j", "ACCEPT"],
    ])
      await k.xtables.apply(6, r);
    await k.settle();
    const sent: string[] = [];
    k.net.setTransmit((i) => sent.push(k.net.deviceName(i)));
    const udp = withDestOpts(buildUdp({ src: C, dst: S, sport: 5000, dport: 6000, payload: "x" }));
    k.receive(k.net.deviceIndex("lan"), udp, 0, udp.length, 1000);
    expect(sent).toEqual(["wan"]);
    // srv answers "port unreachable", quoting the datagram as it arrived (hop limit 63).
    const quoted = udp.slice();
    quoted[7] = 63;
    const err = buildIcmp({ src: S, dst: C, type: 1, code: 4, payload: quoted });
    k.receive(k.net.deviceIndex("wan"), err, 0, err.length, 1001);
    expect(sent).toEqual(["wan", "lan"]);
  });
});
