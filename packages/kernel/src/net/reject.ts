/**
 * The REJECT target's action (ipt_REJECT.c / ip6t_REJECT.c with
 * nf_reject_ipv4.c / nf_reject_ipv6.c): the ICMP errors go through the
 * ordinary ICMP sender (same source choice, same rate limits), after
 * REJECT's own checks — never for a later fragment, never when the
 * transport checksum is wrong. The --reject-with values are the uapi
 * enums, and the names those of iptables' libipt_REJECT/libip6t_REJECT.
 */
import { onesComplementSum, readU16 } from "@ctkit/packet";
import { l4ChecksumOk, rejectVerifiesChecksum } from "./build.js";
import { Hook } from "./hooks.js";
import { ICMP_DEST_UNREACH, ICMPV6_DEST_UNREACH, icmpSend4, icmpSend6 } from "./icmp-error.js";
import { RtKind } from "./route-state.js";
import type { Skb } from "./skb.js";
import type { NetStack } from "./stack.js";
import { rejectReset4, rejectReset6 } from "./tcp-reset.js";

/** enum ipt_reject_with (linux/netfilter_ipv4/ipt_REJECT.h). */
export const RejectWith = {
  ICMP_NET_UNREACHABLE: 0,
  ICMP_HOST_UNREACHABLE: 1,
  ICMP_PROT_UNREACHABLE: 2,
  ICMP_PORT_UNREACHABLE: 3,
  ICMP_ECHOREPLY: 4,
  ICMP_NET_PROHIBITED: 5,
  ICMP_HOST_PROHIBITED: 6,
  TCP_RESET: 7,
  ICMP_ADMIN_PROHIBITED: 8,
} as const;

/** enum ip6t_reject_with (linux/netfilter_ipv6/ip6t_REJECT.h). */
export const Reject6With = {
  ICMP6_NO_ROUTE: 0,
  ICMP6_ADM_PROHIBITED: 1,
  ICMP6_NOT_NEIGHBOUR: 2,
  ICMP6_ADDR_UNREACH: 3,
  ICMP6_PORT_UNREACH: 4,
  ICMP6_ECHOREPLY: 5,
  TCP_RESET: 6,
  ICMP6_POLICY_FAIL: 7,
  ICMP6_REJECT_ROUTE: 8,
} as const;

/** [name, alias, value] as iptables accepts --reject-with and prints it (-S/-L use the name). */
export const REJECT_WITH_NAMES: Record<4 | 6, readonly (readonly [string, string, number])[]> = {
  4: [
    ["icmp-net-unreachable", "net-unreach", RejectWith.ICMP_NET_UNREACHABLE],
    ["icmp-host-unreachable", "host-unreach", RejectWith.ICMP_HOST_UNREACHABLE],
    ["icmp-proto-unreachable", "proto-unreach", RejectWith.ICMP_PROT_UNREACHABLE],
    ["icmp-port-unreachable", "port-unreach", RejectWith.ICMP_PORT_UNREACHABLE],
    ["icmp-net-prohibited", "net-prohib", RejectWith.ICMP_NET_PROHIBITED],
    ["icmp-host-prohibited", "host-prohib", RejectWith.ICMP_HOST_PROHIBITED],
    ["tcp-reset", "tcp-rst", RejectWith.TCP_RESET],
    ["icmp-admin-prohibited", "admin-prohib", RejectWith.ICMP_ADMIN_PROHIBITED],
  ],
  6: [
    ["icmp6-no-route", "no-route", Reject6With.ICMP6_NO_ROUTE],
    ["icmp6-adm-prohibited", "adm-prohibited", Reject6With.ICMP6_ADM_PROHIBITED],
    ["icmp6-addr-unreachable", "addr-unreach", Reject6With.ICMP6_ADDR_UNREACH],
    ["icmp6-port-unreachable", "port-unreach", Reject6With.ICMP6_PORT_UNREACH],
    ["tcp-reset", "tcp-rst", Reject6With.TCP_RESET],
    ["icmp6-policy-fail", "policy-fail", Reject6With.ICMP6_POLICY_FAIL],
    ["icmp6-reject-route", "reject-route", Reject6With.ICMP6_REJECT_ROUTE],
  ],
};

/** The --reject-with value for a name or alias; undefined when iptables would refuse it. */
export function rejectWithFromName(family: 4 | 6, name: string): number | undefined {
  for (const [n, alias, v] of REJECT_WITH_NAMES[family]) if (name === n || name === alias) return v;
  return undefined;
}

/** ICMP code for each IPv4 --reject-with value (ICMP_NET_ANO/HOST_ANO/PKT_FILTERED for the prohibiteds). */
const CODE4 = [0, 1, 2, 3, -1, 9, 10, -1, 13];
/** ICMPv6 destination unreachable code for each IPv6 value (not neighbour = 2, policy fail = 5, reject route = 6). */
const CODE6 = [0, 1, 2, 3, 4, -1, -1, 5, 6];

/** Answers `skb` as REJECT with `withValue` does at `hook`; the caller drops it. */
export function reject(s: NetStack, skb: Skb, withValue: number, hook: Hook): void {
  if (skb.family === 4) {
    if (withValue === RejectWith.TCP_RESET) {
      rejectReset4(s, skb);
      return;
    }
    const code = CODE4[withValue];
    if (code === undefined || code < 0) return;
    sendUnreach4(s, skb, code, hook);
    return;
  }
  if (withValue === Reject6With.TCP_RESET) {
    rejectReset6(s, skb);
    return;
  }
  const code = CODE6[withValue];
  if (code === undefined || code < 0) return;
  sendUnreach6(s, skb, code, hook);
}

/**
 * Before routing (nft's prerouting reject) the packet has no route yet:
 * nf_reject_fill_skb_dst gives it one toward its source.
 */
function fillRoute(s: NetStack, skb: Skb, hook: Hook): void {
  const rt = s.routeStateOf(skb);
  if (hook === Hook.PREROUTING && rt.kind === RtKind.NONE) rt.kind = RtKind.ERROR;
}

/** nf_send_unreach. */
function sendUnreach4(s: NetStack, skb: Skb, code: number, hook: Hook): void {
  const buf = skb.data;
  const off = skb.l3Offset;
  if ((readU16(buf, off + 6) & 0x1fff) !== 0) return;
  fillRoute(s, skb, hook);
  const ihl = ((buf[off] as number) & 0x0f) * 4;
  const l4 = off + ihl;
  const end = off + readU16(buf, off + 2);
  const proto = buf[off + 9] as number;
  if (rejectVerifiesChecksum(buf, l4, end, proto)) {
    // nf_ip_checksum: a pseudo header for TCP and UDP only.
    const ok =
      proto === 6 || proto === 17
        ? l4ChecksumOk(buf, off, 4, proto, l4, end - l4)
        : onesComplementSum(buf, l4, end - l4) === 0xffff;
    if (!ok) return;
  }
  icmpSend4(s, skb, ICMP_DEST_UNREACH, code, 0);
}

/** nf_send_unreach6 with reject6_csum_ok. */
function sendUnreach6(s: NetStack, skb: Skb, code: number, hook: Hook): void {
  if (skb.dec.ipVersion !== 6) return;
  const ip = skb.dec.ipv6;
  const buf = skb.data;
  const off = skb.l3Offset;
  const end = off + 40 + readU16(buf, off + 4);
  const thoff = ip.upperOffset;
  if (thoff >= end || ip.fragmentOffset !== 0) return;
  const proto = ip.upperProtocol;
  if (rejectVerifiesChecksum(buf, thoff, end, proto)) {
    if (!l4ChecksumOk(buf, off, 6, proto, thoff, end - thoff)) return;
  }
  fillRoute(s, skb, hook);
  icmpSend6(s, skb, ICMPV6_DEST_UNREACH, code, 0);
}
