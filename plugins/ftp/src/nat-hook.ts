/**
 * The slot through which nf_nat_ftp takes over from the conntrack helper
 * (Linux's nf_nat_ftp_hook function pointer, EXPORT_SYMBOL_GPL'd by
 * nf_conntrack_ftp). nf_conntrack_ftp exports one NfNatFtpHook object under
 * the symbol NF_NAT_FTP_HOOK; nf_nat_ftp, which depends on
 * nf_conntrack_ftp, looks it up in its init with
 * `ctx.symbol<NfNatFtpHook>(NF_NAT_FTP_HOOK)`, calls `set(fn)`, and calls
 * `clear(fn)` from `ctx.onCleanup`. Because of the dependency, the slot's
 * owner cannot be removed while a function is installed.
 *
 * The helper calls the function instead of registering the expectation
 * itself when both hold: a function is installed, and NAT changed one of
 * the connection's tuples (ct->status & IPS_NAT_MASK). Otherwise it calls
 * expectRelated.
 */
import {
  type ConnHandle,
  type CtInfo,
  type Expectation,
  KernelError,
  type Verdict,
} from "@ctkit/helper-kit";
import type { FtpType } from "./command.js";
import type { FtpPacket } from "./packet.js";

/** The symbol name, as in Linux. */
export const NF_NAT_FTP_HOOK = "nf_nat_ftp_hook";

/**
 * nf_nat_ftp(skb, ctinfo, type, protoff, matchoff, matchlen, exp).
 *
 * - `pkt`: the packet (the datapath's Skb), whose payload the function may
 *   rewrite; `ct`: its connection (valid only during the call).
 * - `ctinfo`: ESTABLISHED or ESTABLISHED_REPLY; the direction of the
 *   packet is ctinfo >= ESTABLISHED_REPLY.
 * - `type`: which announcement (PORT, PASV = the 227 reply, EPRT, EPSV =
 *   the 229 reply); it decides the replacement's format.
 * - `protoff`: offset of the TCP header in `pkt.data`.
 * - `matchOff`, `matchLen`: the announcement's text, relative to the start
 *   of the TCP payload (pkt.payloadOffset): for PORT and 227 the six
 *   numbers "h1,h2,h3,h4,p1,p2" without what surrounds them; for EPRT
 *   "|1|addr|port|" and for 229 "|||port|", delimiters included.
 * - `exp`: the expectation the helper built, not yet registered: class 0,
 *   TCP, source = the peer that will connect (tuplehash[!dir].src, any
 *   port), destination = tuplehash[!dir].dst (or the announced address
 *   with `loose`) : the announced port. The function registers it
 *   (expectRelated, with another port if that one is taken) or drops.
 * - `seq`: the segment's TCP sequence number as received (Linux's
 *   nf_nat_ftp reads it from the header for seqadj; given here so the
 *   function need not parse the header again).
 *
 * Returns the packet's verdict; the helper updates its line tracking
 * afterwards whatever the verdict.
 */
export type NfNatFtpFn = (
  pkt: FtpPacket,
  ct: ConnHandle,
  ctinfo: CtInfo,
  type: FtpType,
  protoff: number,
  matchOff: number,
  matchLen: number,
  exp: Expectation,
  seq: number,
) => Verdict;

export class NfNatFtpHook {
  private fn: NfNatFtpFn | null = null;

  /** The installed function, or null. */
  get current(): NfNatFtpFn | null {
    return this.fn;
  }

  /** Installs `fn`; a second NAT module cannot take the slot over. */
  set(fn: NfNatFtpFn): void {
    if (this.fn !== null && this.fn !== fn)
      throw new KernelError("EBUSY", `${NF_NAT_FTP_HOOK} is already set by another module`);
    this.fn = fn;
  }

  /** Removes `fn` if it is the one installed. */
  clear(fn: NfNatFtpFn): void {
    if (this.fn === fn) this.fn = null;
  }
}
