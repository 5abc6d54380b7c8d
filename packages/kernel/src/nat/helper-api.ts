/**
 * What the nf_nat module exports to NAT helpers (nf_nat_ftp, nf_nat_pptp,
 * third-party ones), under the kernel's symbol names: the mangle calls, the
 * follow-master expectfn and the port search for expectations. A NAT
 * helper module depends on nf_nat and resolves them with ctx.symbol().
 */
import type { Expectation } from "../conntrack/expect.js";
import type { HelperPacket } from "../helper/types.js";
import type { Kernel } from "../kernel.js";
import { Skb } from "../net/skb.js";
import type { Manip, NatRange } from "./range.js";

/**
 * nf_nat_mangle_tcp_packet / nf_nat_mangle_udp_packet: replace `matchLen`
 * bytes at `matchOff` (counted from the start of the payload) with the
 * first `repLen` bytes of `rep`. False: the packet cannot take it (drop it).
 */
export type NfNatMangle = (
  pkt: HelperPacket,
  matchOff: number,
  matchLen: number,
  rep: Uint8Array,
  repLen?: number,
) => boolean;

/** nf_nat_follow_master: set it as an expectation's expectfn. */
export type NfNatFollowMaster = (slot: number, exp: Expectation, now: number) => void;

/**
 * nf_nat_exp_find_port: register `exp` expecting port `port`, or another
 * one when that clashes; returns the port used, 0 when none was free.
 */
export type NfNatExpFindPort = (exp: Expectation, port: number, now: number) => number;

/**
 * nf_nat_setup_info: give connection `slot` the mapping `range` for
 * `manip` (0 = SRC, 1 = DST), as a NAT helper's expectfn does for the
 * connection it expected. Returns the netfilter verdict.
 */
export type NfNatSetupInfo = (slot: number, range: NatRange, manip: Manip, now: number) => number;

export const NAT_HELPER_SYMBOLS = {
  setupInfo: "nf_nat_setup_info",
  mangleTcp: "nf_nat_mangle_tcp_packet",
  mangleUdp: "nf_nat_mangle_udp_packet",
  followMaster: "nf_nat_follow_master",
  expFindPort: "nf_nat_exp_find_port",
} as const;

/** Attempts after the first choice clashed (Linux ≥ 6.1). */
const MAX_PORT_ATTEMPTS = 128;

/** The symbol table nf_nat's init exports, bound to one kernel. */
export function natHelperSymbols(kernel: Kernel): Record<string, unknown> {
  const nat = kernel.nat;
  const mangleTcp: NfNatMangle = (pkt, off, len, rep, repLen) =>
    pkt instanceof Skb && nat.core.mangler.tcp(pkt, off, len, rep, repLen ?? rep.length);
  const mangleUdp: NfNatMangle = (pkt, off, len, rep, repLen) =>
    pkt instanceof Skb && nat.core.mangler.udp(pkt, off, len, rep, repLen ?? rep.length);
  const followMaster: NfNatFollowMaster = (slot, exp, now) => nat.core.followMaster(slot, exp, now);
  const expFindPort: NfNatExpFindPort = (exp, port, now) => {
    // First the port the payload named; on a clash, others above it. Linux
    // picks them at random; ctkit's generator is deterministic.
    const span = 65535 - port;
    let attempts = Math.min(span, MAX_PORT_ATTEMPTS);
    let p = port;
    for (;;) {
      exp.tuple.dport = p;
      const res = kernel.conntrack.expectRelated(exp, now);
      if (res === 0) return p;
      if (res !== "EBUSY" || --attempts < 0 || span <= 0) return 0;
      p = port + (nat.core.random16() % span);
    }
  };
  const setupInfo: NfNatSetupInfo = (slot, range, manip, now) =>
    nat.core.setupInfo(slot, range, manip, now);
  return {
    [NAT_HELPER_SYMBOLS.setupInfo]: setupInfo,
    [NAT_HELPER_SYMBOLS.mangleTcp]: mangleTcp,
    [NAT_HELPER_SYMBOLS.mangleUdp]: mangleUdp,
    [NAT_HELPER_SYMBOLS.followMaster]: followMaster,
    [NAT_HELPER_SYMBOLS.expFindPort]: expFindPort,
  };
}
