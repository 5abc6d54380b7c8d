/**
 * A NAT66 router for the nat66-* tests: lan 2001:db8:1::1/64, wan
 * 2001:db8:2::1/64, forwarding on, the given ip6tables rules (and any extra
 * set-up commands), and what it transmits collected per packet.
 */
import { expect } from "vitest";
import { Kernel } from "../dist/index.js";

export const C1 = "2001:db8:1::2";
export const C2 = "2001:db8:1::3";
export const SRV = "2001:db8:2::2";
export const LAN = "2001:db8:1::1";
export const WAN = "2001:db8:2::1";

export const MASQ6 = ["-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE"];

export interface Sent {
  ifname: string;
  bytes: Uint8Array;
}

export interface Router6 {
  k: Kernel;
  out: Sent[];
  lan: number;
  wan: number;
  /** A packet arriving on interface `ifindex`. */
  feed(ifindex: number, p: Uint8Array): void;
}

/** `ip` argument lists run before the rules (extra addresses, routes). */
export async function router6(rules: string[][], ip: string[][] = []): Promise<Router6> {
  const k = new Kernel({ clock: () => 1000 });
  expect(k.net.ip(["-6", "addr", "add", `${LAN}/64`, "dev", "lan"]).status).toBe(0);
  expect(k.net.ip(["-6", "addr", "add", `${WAN}/64`, "dev", "wan"]).status).toBe(0);
  for (const args of ip) expect(k.net.ip(args).status).toBe(0);
  k.sysctl.set("net.ipv6.conf.all.forwarding", "1");
  for (const r of rules) await k.xtables.apply(6, r);
  await k.settle();
  const out: Sent[] = [];
  k.net.setTransmit((ifindex, data, off, len) => {
    out.push({ ifname: k.net.deviceName(ifindex), bytes: data.slice(off, off + len) });
  });
  return {
    k,
    out,
    lan: k.net.deviceIndex("lan"),
    wan: k.net.deviceIndex("wan"),
    feed: (ifindex, p) => k.receive(ifindex, p, 0, p.length, 1000),
  };
}

export function hex(b: Uint8Array | undefined): string {
  return Buffer.from(b ?? new Uint8Array(0)).toString("hex");
}
