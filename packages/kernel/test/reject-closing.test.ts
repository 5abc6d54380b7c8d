/**
 * REJECT --reject-with tcp-reset on an established connection: the router
 * sends the reset and the connection is closing (nf_ct_set_closing), so
 * conntrack lists it in CLOSE with the close timeout.
 */
import { buildTcp } from "@ctkit/packet";
import { expect, it } from "vitest";
import { connLine, Kernel } from "../dist/index.js";

it("a tcp-reset REJECT puts the connection in CLOSE", async () => {
  const k = new Kernel({ clock: () => 1000 });
  expect(k.net.ip(["addr", "add", "10.0.0.1/24", "dev", "lan"]).status).toBe(0);
  expect(k.net.ip(["addr", "add", "198.51.100.1/24", "dev", "wan"]).status).toBe(0);
  k.sysctl.set("net.ipv4.ip_forward", "1");
  await k.xtables.apply(4, [
    "-A",
    "FORWARD",
    "-p",
    "tcp",
    "-m",
    "conntrack",
    "--ctstate",
    "ESTABLISHED",
    "-m",
    "tcp",
    "--dport",
    "80",
    "-j",
    "REJECT",
    "--reject-with",
    "tcp-reset",
  ]);
  await k.settle();
  const sent: number[] = [];
  k.net.setTransmit((ifindex) => sent.push(ifindex));
  const C = "10.0.0.2";
  const S = "198.51.100.9";
  const pkts = [
    [2, buildTcp({ src: C, dst: S, sport: 5000, dport: 80, seq: 1, flags: 0x02 })],
    [3, buildTcp({ src: S, dst: C, sport: 80, dport: 5000, seq: 100, ack: 2, flags: 0x12 })],
    [2, buildTcp({ src: C, dst: S, sport: 5000, dport: 80, seq: 2, ack: 101, flags: 0x10 })],
    [
      2,
      buildTcp({
        src: C,
        dst: S,
        sport: 5000,
        dport: 80,
        seq: 2,
        ack: 101,
        flags: 0x18,
        payload: "GET",
      }),
    ],
  ] as const;
  for (const [ifindex, p] of pkts) k.receive(ifindex, p, 0, p.length, 1000);
  const [slot] = k.conntrack.liveSlots(1000);
  expect(connLine(k.conntrack, slot as number, { now: 1000, acct: false })).toMatch(
    /^tcp {6}6 10 CLOSE src=10\.0\.0\.2 /,
  );
  // SYN out, SYN/ACK back; the ACK and the data are ESTABLISHED, so each is answered
  // with a reset back to the client instead of being forwarded.
  expect(sent).toEqual([3, 2, 2, 2]);
});
