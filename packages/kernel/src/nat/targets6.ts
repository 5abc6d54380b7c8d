/**
 * The addresses IPv6 MASQUERADE and REDIRECT map to.
 * nf_nat_masquerade_ipv6: the source ipv6_dev_get_saddr picks for the
 * packet's destination with the outgoing interface as the preferred one.
 * nf_nat_redirect_ipv6: ::1 for local output, else the incoming interface's
 * first usable address (its list is ordered by scope, newest first) whose
 * scope class matches the destination's.
 */
import type { Kernel } from "../kernel.js";
import type { NetDevice } from "../net/device.js";
import { Hook } from "../net/hooks.js";
import type { Skb } from "../net/skb.js";
import { selectSource6 } from "../net/source-select.js";

/**
 * ipv6_addr_scope(): the scope bits of __ipv6_addr_type (loopback 0x10,
 * link-local 0x20, site-local 0x40, IPv4-compatible 0x80), 0 for global
 * unicast, IPv4-mapped, unspecified and wider multicast scopes.
 */
export function addrScopeBits6(a: Uint8Array, off: number): number {
  const b0 = a[off] as number;
  const b1 = a[off + 1] as number;
  // Any first three bits but 000 and 111: global unicast.
  if ((b0 & 0xe0) !== 0 && (b0 & 0xe0) !== 0xe0) return 0;
  if (b0 === 0xff) {
    // Multicast: node-, link- and site-local scopes count as those classes.
    const scope = b1 & 0x0f;
    return scope === 1 ? 0x10 : scope === 2 ? 0x20 : scope === 5 ? 0x40 : 0;
  }
  if (b0 === 0xfe && (b1 & 0xc0) === 0x80) return 0x20;
  if (b0 === 0xfe && (b1 & 0xc0) === 0xc0) return 0x40;
  if ((b0 & 0xfe) === 0xfc) return 0;
  for (let i = 0; i < 8; i++) if (a[off + i] !== 0) return 0;
  const w2 = readWord(a, off + 8);
  const w3 = readWord(a, off + 12);
  if (w2 === 0) {
    if (w3 === 0) return 0;
    return w3 === 1 ? 0x10 : 0x80;
  }
  return 0;
}

function isMapped6(a: Uint8Array, off: number): boolean {
  for (let i = 0; i < 10; i++) if (a[off + i] !== 0) return false;
  return a[off + 10] === 0xff && a[off + 11] === 0xff;
}

function readWord(a: Uint8Array, off: number): number {
  return (
    (((a[off] as number) << 24) |
      ((a[off + 1] as number) << 16) |
      ((a[off + 2] as number) << 8) |
      (a[off + 3] as number)) >>>
    0
  );
}

/**
 * The source MASQUERADE gives a new connection leaving through skb.oif,
 * into out[0, 16). False when no address fits: the packet is dropped.
 */
export function masqueradeSource6(kernel: Kernel, skb: Skb, out: Uint8Array): boolean {
  const net = kernel.net;
  return selectSource6(net.devices, skb.data, skb.daddr6Off, net.devices.get(skb.oif), out);
}

/**
 * nf_nat_redirect_ipv6_usable: not IPv4-mapped and, when the destination
 * has a scope class, of that class. ctkit runs no duplicate address
 * detection, so no address is ever tentative.
 */
function usable(a: Uint8Array, scope: number): boolean {
  if (isMapped6(a, 0)) return false;
  return scope === 0 || (scope & addrScopeBits6(a, 0)) !== 0;
}

/**
 * The destination REDIRECT gives a new connection, into out[0, 16). False
 * when the incoming interface has no usable address: the packet is dropped.
 */
export function redirectDest6(kernel: Kernel, skb: Skb, hook: Hook, out: Uint8Array): boolean {
  if (hook === Hook.OUTPUT) {
    out.fill(0);
    out[15] = 1;
    return true;
  }
  const dev: NetDevice | undefined = kernel.net.devices.get(skb.iif);
  if (dev === undefined) return false;
  const scope = addrScopeBits6(skb.data, skb.daddr6Off);
  for (let i = 0; i < dev.v6.length; i++) {
    const a = dev.v6[i];
    if (a !== undefined && usable(a.addr, scope)) {
      out.set(a.addr);
      return true;
    }
  }
  return false;
}
