/**
 * Routing decisions: longest-prefix match and metrics for IPv4 and IPv6,
 * the local table before main, the source Linux picks for packets the
 * router sends (prefsrc, inet_select_addr, RFC 6724), and the order
 * `ip route show` lists routes in.
 */
import { parseIpv4, parseIpv6 } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { sortForDisplay6 } from "../src/net/fib.js";
import { Proto, Route, RouteType, Table } from "../src/net/route.js";
import { routeSource4, selectSource6 } from "../src/net/source-select.js";
import { makeRouter } from "./net-support.js";

const v4 = (s: string) => parseIpv4(s) as number;
const v6 = (s: string) => parseIpv6(s) as Uint8Array;

function router(extra: string[] = []) {
  const r = makeRouter();
  r.setup([
    "ip addr add 10.0.1.1/24 dev r0",
    "ip addr add 10.0.2.1/24 dev r1",
    "ip addr add 10.0.2.9/24 dev r1",
    "ip addr add 172.16.0.1/16 dev r1",
    "ip -6 addr add 2001:db8:1::1/64 dev r0",
    "ip -6 addr add 2001:db8:2::1/64 dev r1",
    "ip -6 addr add fd00::1/64 dev r1",
    ...extra,
  ]);
  return r;
}

describe("IPv4 lookups", () => {
  it("prefers the longest prefix, then the lowest metric, and local addresses first", () => {
    const r = router([
      "ip route add 10.9.0.0/16 via 10.0.2.2",
      "ip route add 10.9.8.0/24 via 10.0.1.254",
      "ip route add 10.9.8.0/24 via 10.0.2.254 metric 5",
      "ip route add default via 10.0.1.254",
    ]);
    const fib = r.stack.fib;
    const gw = (a: string) => fib.lookup4(v4(a))?.gw4;
    expect(gw("10.9.1.1")).toBe(v4("10.0.2.2"));
    expect(gw("10.9.8.7")).toBe(v4("10.0.1.254"));
    expect(gw("8.8.8.8")).toBe(v4("10.0.1.254"));
    expect(fib.lookup4(v4("10.0.2.9"))?.type).toBe(RouteType.LOCAL);
    expect(fib.lookup4(v4("10.0.2.255"))?.type).toBe(RouteType.BROADCAST);
    expect(fib.lookup4(v4("127.3.4.5"))?.type).toBe(RouteType.LOCAL);
    expect(fib.lookup4(v4("10.0.2.77"))?.oif).toBe(r.stack.deviceIndex("r1"));
  });

  it("picks sources as fib_result_prefsrc does", () => {
    const r = router([
      "ip route add 10.9.0.0/16 via 172.16.5.5",
      "ip route add 10.10.0.0/16 via 10.0.2.2 src 10.0.1.1",
      "ip route add 10.11.0.0/16 dev r1",
    ]);
    const src = (a: string) => {
      const route = r.stack.fib.lookup4(v4(a));
      return route ? routeSource4(r.stack.devices, route) : 0;
    };
    expect(src("10.0.2.77")).toBe(v4("10.0.2.1")); // connected: its primary address
    expect(src("10.9.1.1")).toBe(v4("172.16.0.1")); // the address sharing the gateway's subnet
    expect(src("10.10.1.1")).toBe(v4("10.0.1.1")); // an explicit src
    expect(src("10.11.1.1")).toBe(v4("10.0.2.1")); // the device's first primary
  });
});

describe("IPv6 lookups", () => {
  it("prefers the longest prefix and the lowest metric", () => {
    const r = router([
      "ip -6 route add 2001:db8:9::/48 via 2001:db8:2::2",
      "ip -6 route add 2001:db8:9:1::/64 via 2001:db8:1::fe metric 2000",
      "ip -6 route add 2001:db8:9:1::/64 via 2001:db8:2::fe",
    ]);
    const gw = (a: string) => {
      const g = r.stack.fib.lookup6(v6(a), 0)?.gw6;
      return g ? Buffer.from(g).toString("hex") : null;
    };
    expect(gw("2001:db8:9::5")).toBe(Buffer.from(v6("2001:db8:2::2")).toString("hex"));
    expect(gw("2001:db8:9:1::5")).toBe(Buffer.from(v6("2001:db8:2::fe")).toString("hex"));
    expect(r.stack.fib.lookup6(v6("2001:db8:99::1"), 0)).toBeNull();
  });

  it("selects sources by scope, outgoing interface, label and longest match", () => {
    const r = router();
    const out = new Uint8Array(16);
    const pick = (dst: string, dev?: string) => {
      const ok = selectSource6(
        r.stack.devices,
        v6(dst),
        0,
        dev ? r.stack.devices.byName(dev) : undefined,
        out,
      );
      return ok ? Buffer.from(out).toString("hex") : null;
    };
    const hex = (a: string) => Buffer.from(v6(a)).toString("hex");
    expect(pick("2001:db8:2::77")).toBe(hex("2001:db8:2::1"));
    expect(pick("2001:db8:77::1", "r0")).toBe(hex("2001:db8:1::1"));
    expect(pick("fd00::99")).toBe(hex("fd00::1"));
    // A link-local destination: only the outgoing device's addresses compete.
    expect(pick("fe80::2", "r0")).toBe(hex("2001:db8:1::1"));
    expect(pick("fe80::2", "lo")).toBe(hex("::1"));
  });

  it("lists routes in the fib6 walk order (children before parents, 0 branch first)", () => {
    const mk = (p: string, len: number, seq: number) =>
      new Route({
        family: 6,
        table: Table.MAIN,
        type: RouteType.UNICAST,
        dst6: v6(p),
        prefixLen: len,
        oif: 2,
        proto: Proto.BOOT,
        scope: 0,
        metric: 1024,
        seq,
      });
    const order = sortForDisplay6([
      mk("::", 0, 1),
      mk("2001:db8::", 32, 2),
      mk("2001:db8:24::", 48, 3),
      mk("2001:db8:1::", 64, 4),
      mk("2001:db8::", 64, 5),
      mk("fe80::", 64, 6),
    ]).map((x) => x.seq);
    expect(order).toEqual([5, 4, 3, 2, 6, 1]);
  });
});
