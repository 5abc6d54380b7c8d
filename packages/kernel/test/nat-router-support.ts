/**
 * The router of the NAT kernel fixtures (tools/kernel-oracle: lan
 * 10.0.0.1/24 with c1 10.0.0.2 and c2 10.0.0.3, wan 198.51.100.1/24 with
 * srv 198.51.100.2, and 203.0.113.0/24 routed to srv) with the given nat
 * rules, what it sends, and its conntrack table as `conntrack -L` lines
 * without the timeout, for the NAT tests that go through the whole datapath.
 */
import { connLine, Kernel } from "../dist/index.js";

export const C1 = "10.0.0.2";
export const C2 = "10.0.0.3";
export const SRV = "198.51.100.2";
export const WAN = "198.51.100.1";

export interface Sent {
  ifname: string;
  bytes: Uint8Array;
}

export interface NatRouter {
  k: Kernel;
  sent: Sent[];
  /** A packet arriving from the LAN (c1, c2) or from the WAN (srv), at `time` seconds. */
  fromLan(p: Uint8Array, time?: number): void;
  fromWan(p: Uint8Array, time?: number): void;
  /** Confirmed connections as `conntrack -L` prints them, minus the timeout; sorted. */
  conntrack(): string[];
}

/** `rules`: iptables arguments, one rule per string, e.g. "-t nat -A POSTROUTING -j MASQUERADE". */
export async function natRouter(rules: readonly string[], clock = 1000): Promise<NatRouter> {
  let now = clock;
  const k = new Kernel({ clock: () => now });
  for (const cmd of [
    "addr add 10.0.0.1/24 dev lan",
    `addr add ${WAN}/24 dev wan`,
    `route add 203.0.113.0/24 via ${SRV}`,
  ]) {
    const r = k.net.ip(cmd.split(" "));
    if (r.status !== 0) throw new Error(`ip ${cmd}: ${r.stderr}`);
  }
  k.sysctl.set("net.ipv4.ip_forward", "1");
  for (const rule of rules) await k.xtables.apply(4, rule.split(" "));
  await k.settle();
  const sent: Sent[] = [];
  k.net.setTransmit((ifindex, data, off, len) => {
    sent.push({ ifname: k.net.deviceName(ifindex), bytes: data.slice(off, off + len) });
  });
  // Without a time, each packet comes 10 ms after the previous one.
  const feed =
    (dev: string) =>
    (p: Uint8Array, time = now + 0.01) => {
      now = time;
      k.receive(k.net.deviceIndex(dev), p, 0, p.length, time);
    };
  return {
    k,
    sent,
    fromLan: feed("lan"),
    fromWan: feed("wan"),
    conntrack: () => {
      const ct = k.conntrack;
      return ct
        .liveSlots(now)
        .map((s) => connLine(ct, s, { now, acct: false, noTimeout: true }))
        .sort();
    },
  };
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}
