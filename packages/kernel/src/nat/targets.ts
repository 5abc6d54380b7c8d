/**
 * What the nat table's targets do when a rule matched a new connection:
 * SNAT/DNAT (xt_nat: the rule's range, the hook's manip), MASQUERADE
 * (nf_nat_masquerade_ipv4: the outgoing interface's address toward the
 * next hop) and REDIRECT (nf_nat_redirect_ipv4: the incoming interface's
 * first address, 127.0.0.1 for local output); the addresses those two
 * choose for IPv6 come from targets6.ts.
 */
import type { Kernel } from "../kernel.js";
import { Scope } from "../net/device.js";
import { Hook, NfVerdict } from "../net/hooks.js";
import type { Skb } from "../net/skb.js";
import { selectAddr4 } from "../net/source-select.js";
import type { NatTarget } from "../xtables/targets/nat.js";
import type { NatCore } from "./core.js";
import { Manip, NatRange } from "./range.js";
import { masqueradeSource6, redirectDest6 } from "./targets6.js";

const range = new NatRange();
/** The IPv6 address MASQUERADE or REDIRECT chose (scratch, no allocation). */
const addr6 = new Uint8Array(16);

export function runNatTarget(
  kernel: Kernel,
  core: NatCore,
  target: NatTarget,
  skb: Skb,
  hook: Hook,
  manip: Manip,
): number {
  if (target.family !== skb.family) return NfVerdict.ACCEPT;
  const slot = skb.ct;
  range.fromTarget(target);
  switch (target.kind) {
    case "SNAT":
    case "DNAT":
      return core.setupInfo(slot, range, manip, skb.time);
    case "MASQUERADE": {
      if (skb.family === 6) {
        if (!masqueradeSource6(kernel, skb, addr6)) return NfVerdict.DROP;
        range.setAddr6(addr6, 0);
        return core.setupInfo(slot, range, Manip.SRC, skb.time);
      }
      // Source 0.0.0.0: a local packet not meant to be masqueraded.
      if (kernel.conntrack.table.addr[slot * 16] === 0) return NfVerdict.ACCEPT;
      const net = kernel.net;
      const daddr = skb.daddr4;
      let route = net.routeStateOf(skb).route;
      if (route === null || route.family !== 4) route = net.fib.lookup4(daddr | 0);
      const nh = route !== null && route.gw4 !== 0 ? route.gw4 : daddr;
      const dev = net.devices.get(skb.oif);
      const src = selectAddr4(net.devices, dev, nh, Scope.UNIVERSE);
      if (src === 0) {
        kernel.log.write("info", `${dev?.name ?? "?"} ate my IP address`);
        return NfVerdict.DROP;
      }
      range.setAddr4(src);
      return core.setupInfo(slot, range, Manip.SRC, skb.time);
    }
    case "REDIRECT": {
      if (skb.family === 6) {
        if (!redirectDest6(kernel, skb, hook, addr6)) return NfVerdict.DROP;
        range.setAddr6(addr6, 0);
        return core.setupInfo(slot, range, Manip.DST, skb.time);
      }
      let dst: number;
      if (hook === Hook.OUTPUT) dst = 0x7f000001;
      else {
        const dev = kernel.net.devices.get(skb.iif);
        dst = dev ? dev.primaryV4() : 0;
        if (dst === 0) return NfVerdict.DROP;
      }
      range.setAddr4(dst);
      return core.setupInfo(slot, range, Manip.DST, skb.time);
    }
  }
  return NfVerdict.ACCEPT;
}
