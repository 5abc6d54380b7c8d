/**
 * The router against the real kernel: every probe record.py sent through a
 * Linux 6.x router (fixtures/net/kernel-router.json) is fed to a NetStack
 * set up with the same commands, at the same relative times, and what it
 * sends must equal what Linux sent, byte for byte and interface for
 * interface. Masked, because Linux draws them at random: the IPv4 ID of
 * non-DF packets the router originates (header checksum recomputed), the
 * flow label of IPv6 packets it originates, and the clock fields of the
 * timestamp reply (with its checksum).
 */
import { ipv4HeaderChecksum, parseIpv4, parseIpv6 } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { Hook, NfVerdict } from "../src/net/hooks.js";
import { rejectWithFromName } from "../src/net/reject.js";
import type { Skb } from "../src/net/skb.js";
import {
  type FixtureGroup,
  fromHex,
  kernelFixture,
  makeRouter,
  type TestRouter,
  toHex,
} from "./net-support.js";

const BASE_TIME = 1_700_000_000;

function routerAddresses(setup: readonly string[]): { v4: Set<number>; v6: Set<string> } {
  const v4 = new Set<number>();
  const v6 = new Set<string>();
  for (const line of setup) {
    const m = /^ip (?:-6 )?addr add (\S+)\/\d+ dev/.exec(line);
    if (!m) continue;
    const a = m[1] as string;
    if (a.includes(":")) v6.add(toHex(parseIpv6(a) as Uint8Array));
    else v4.add(parseIpv4(a) as number);
  }
  return { v4, v6 };
}

/** The fields Linux chooses at random, cleared on packets the router itself built. */
function normalize(hex: string, own: { v4: Set<number>; v6: Set<string> }): string {
  const b = fromHex(hex);
  if (b[0] >>> 4 === 4) {
    const src = ((b[12] << 24) | (b[13] << 16) | (b[14] << 8) | b[15]) >>> 0;
    if (own.v4.has(src) && (b[6] & 0x40) === 0) {
      b[4] = 0;
      b[5] = 0;
      b[10] = 0;
      b[11] = 0;
      const c = ipv4HeaderChecksum(b, 0, (b[0] & 15) * 4);
      b[10] = c >>> 8;
      b[11] = c & 0xff;
    }
    // Timestamp reply: receive and transmit times are the sender's clock.
    if (b[9] === 1 && b[20] === 14) {
      b.fill(0, 32, 40);
      b[22] = 0;
      b[23] = 0;
    }
  } else if (own.v6.has(toHex(b.subarray(8, 24)))) {
    b[1] &= 0xf0;
    b[2] = 0;
    b[3] = 0;
  }
  return toHex(b);
}

/** The iptables lines of the reject group, as hooks calling stack.reject. */
function installRejectRules(r: TestRouter, lines: string[]): void {
  for (const line of lines) {
    const m =
      /^(ip6?tables) -A (FORWARD|INPUT) -p (udp|tcp|icmp)(?: --dport (\d+))? -j REJECT(?: --reject-with (\S+))?$/.exec(
        line,
      );
    if (!m) throw new Error(`unexpected rule ${line}`);
    const family = m[1] === "iptables" ? 4 : 6;
    const hook = m[2] === "FORWARD" ? Hook.FORWARD : Hook.INPUT;
    const proto = m[3] === "udp" ? 17 : m[3] === "tcp" ? 6 : 1;
    const dport = m[4] === undefined ? -1 : Number(m[4]);
    const name = m[5] ?? (family === 4 ? "icmp-port-unreachable" : "icmp6-port-unreachable");
    const withValue = rejectWithFromName(family, name);
    if (withValue === undefined) throw new Error(name);
    r.hooks.register(family, hook, 0, "reject", (skb: Skb, h) => {
      if (skb.l4Proto !== proto) return NfVerdict.ACCEPT;
      if (dport >= 0 && skb.dport !== dport) return NfVerdict.ACCEPT;
      r.stack.reject(skb, withValue, h);
      return NfVerdict.DROP;
    });
  }
}

function runGroup(group: FixtureGroup) {
  const r = makeRouter();
  // The recorder's device names are the router's: r0 faces the client, r1 the server.
  const rules: string[] = [];
  r.setup(group.setup, (line) => rules.push(line));
  installRejectRules(r, rules);
  const own = routerAddresses(group.setup);
  const results: { name: string; got: string[]; want: string[] }[] = [];
  for (const probe of group.probes) {
    r.sent.length = 0;
    for (const p of probe.in) r.feed(p.iface, p.hex, BASE_TIME + p.t);
    results.push({
      name: probe.name,
      got: r.sent.map((s) => `${s.iface} ${normalize(s.hex, own)}`),
      want: probe.out.map((o) => `${o.iface} ${normalize(o.hex, own)}`),
    });
  }
  return { results, router: r };
}

const fixture = kernelFixture();

describe(`router vs Linux ${fixture.kernel}`, () => {
  for (const group of fixture.groups) {
    describe(group.name, () => {
      const { results } = runGroup(group);
      for (const res of results) {
        it(res.name, () => {
          expect(res.got).toEqual(res.want);
        });
      }
    });
  }
});
