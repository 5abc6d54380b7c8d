/**
 * help() of nf_conntrack_ftp: runs on every packet of a connection that has
 * the ftp helper, after NAT, before sequence adjustment. It finds PORT/EPRT
 * commands (initiator to responder) and 227/229 replies (the other way) at
 * the start of a line, and announces the data connection they describe as
 * an expectation, so that connection is RELATED.
 *
 * The verdict is ACCEPT except in three cases, which DROP and log through
 * the helper log: an announcement that does not parse ("partial matching
 * of `PORT'" — the sender will retransmit, maybe completed), an
 * expectation the table refuses ("cannot add expectation"), or whatever
 * nf_nat_ftp decides.
 */
import {
  type ConnHandle,
  CtInfo,
  type HelpFn,
  NF_ACCEPT,
  NF_DROP,
  Tuple,
  type Verdict,
} from "@ctkit/helper-kit";
import { FtpCommand } from "./command.js";
import type { NfNatFtpHook } from "./nat-hook.js";
import { FtpLineState } from "./nl-seq.js";
import type { MatchSpan } from "./numbers.js";
import type { FtpPacket } from "./packet.js";
import { Found, type FtpSearch, findPattern, SEARCH } from "./search.js";

const IPPROTO_TCP = 6;

export interface FtpHelpOptions {
  /** The helper's name ("ftp", "ftp-2121"): log lines start with "nf_ct_<name>: ". */
  name: string;
  /** The `loose` parameter, read on every announcement (it is writable at run time). */
  loose: () => boolean;
  natHook: NfNatFtpHook;
  /** Writes a line to the kernel log. */
  log: (line: string) => void;
}

/** A packet dropped before line tracking is updated (an unparsable announcement). */
const DROP_UNTRACKED = -1;

/** The connection's line state, created with the connection's first data segment. */
function lineState(ct: ConnHandle): FtpLineState {
  const data = ct.data;
  let st = data.ftp as FtpLineState | undefined;
  if (st === undefined) {
    st = new FtpLineState();
    data.ftp = st;
  }
  return st;
}

export function createFtpHelp(opts: FtpHelpOptions): HelpFn<FtpPacket, ConnHandle> {
  // Scratch reused by every packet: parsing allocates nothing; only a
  // found announcement allocates (its expectation), as in the kernel.
  const cmd = new FtpCommand();
  const span: MatchSpan = { off: 0, len: 0 };
  const own = new Tuple();
  const peer = new Tuple();

  /**
   * nf_ct_helper_log: through nf_log, so the text is a prefix with a
   * trailing space (Linux's logger appends the packet dump after it).
   */
  const helperLog = (msg: string): void => opts.log(`nf_ct_${opts.name}: dropping packet: ${msg} `);

  /** Parses a segment known to start a line; returns a verdict or DROP_UNTRACKED. */
  function inspect(
    pkt: FtpPacket,
    protoff: number,
    ct: ConnHandle,
    ctinfo: CtInfo,
    dir: 0 | 1,
    tcpSeq: number,
  ): number {
    ct.tuple(dir, own);
    // Preset to the sender's address: EPSV names none, PORT on IPv6 fills only word 0.
    cmd.family = own.family;
    cmd.addr.set(own.src);
    cmd.port = 0;

    const table = SEARCH[dir] as readonly FtpSearch[];
    let found: number = Found.NONE;
    let search = table[0] as FtpSearch;
    for (let i = 0; i < table.length; i++) {
      search = table[i] as FtpSearch;
      found = findPattern(pkt.data, pkt.payloadOffset, pkt.payloadLength, search, span, cmd);
      if (found !== Found.NONE) break;
    }
    if (found === Found.NONE) return NF_ACCEPT;
    if (found === Found.PARTIAL) {
      helperLog(`partial matching of \`${search.pattern}'`);
      return DROP_UNTRACKED;
    }

    // The data connection comes the other way: from the peer, to where the
    // peer sends (the sender's address as the peer sees it, after NAT).
    ct.tuple(dir === 0 ? 1 : 0, peer);
    let daddr = peer.dst;
    const a = cmd.addr;
    const s = own.src;
    if (a[0] !== s[0] || a[1] !== s[1] || a[2] !== s[2] || a[3] !== s[3]) {
      // The announced address is not the sender's: without `loose`, open
      // nothing (a host must not open holes toward third parties).
      if (!opts.loose()) return NF_ACCEPT;
      daddr = a;
    }
    const exp = ct.expectation(0, cmd.family, peer.src, daddr, IPPROTO_TCP, null, cmd.port);

    const nat = opts.natHook.current;
    if (nat !== null && ct.isNatted) {
      const v = nat(pkt, ct, ctinfo, search.type, protoff, span.off, span.len, exp, tcpSeq);
      return v === NF_ACCEPT ? NF_ACCEPT : NF_DROP;
    }
    if (ct.expectRelated(exp, pkt.time) !== 0) {
      helperLog("cannot add expectation");
      return NF_DROP;
    }
    return NF_ACCEPT;
  }

  return function help(pkt, protoff, ct, ctinfo): Verdict {
    // Commands only flow once both sides have spoken.
    if (ctinfo !== CtInfo.ESTABLISHED && ctinfo !== CtInfo.ESTABLISHED_REPLY) return NF_ACCEPT;
    const dlen = pkt.payloadLength;
    if (dlen <= 0) return NF_ACCEPT;
    const d = pkt.data;
    const dir: 0 | 1 = ctinfo === CtInfo.ESTABLISHED_REPLY ? 1 : 0;
    const tcpSeq =
      (((d[protoff + 4] as number) << 24) |
        ((d[protoff + 5] as number) << 16) |
        ((d[protoff + 6] as number) << 8) |
        (d[protoff + 7] as number)) >>>
      0;
    const endsInNl = d[pkt.payloadOffset + dlen - 1] === 0x0a;
    const st = lineState(ct);

    let v: number = NF_ACCEPT;
    if (st.startsLine(dir, tcpSeq)) {
      v = inspect(pkt, protoff, ct, ctinfo, dir, tcpSeq);
      if (v === DROP_UNTRACKED) return NF_DROP;
    }
    // The position after this segment starts a line if it ends one. Linux
    // uses the sequence number as received (before any NAT length change).
    if (endsInNl) st.remember(dir, (tcpSeq + dlen) >>> 0);
    return v as Verdict;
  };
}
