/**
 * nf_nat_ftp's work on one announcement, called by nf_conntrack_ftp
 * through its hook when the control connection is translated:
 *
 * - the data connection will arrive where this packet is going — the
 *   other direction's destination, i.e. the translated address;
 * - the expectation remembers the announced port (the real endpoint) and
 *   gets nf_nat_follow_master, so the data connection is translated back
 *   to it;
 * - the expected port is the announced one if free, else another one
 *   (nf_nat_exp_find_port); none free → "all ports in use", drop;
 * - the announcement's text is replaced by the translated address and
 *   port, through nf_nat's mangle API (which keeps seqadj right when the
 *   length changes); a failed mangle withdraws the expectation and drops.
 */
import {
  type ConnHandle,
  type CtInfo,
  type Expectation,
  NF_ACCEPT,
  NF_DROP,
  type NfNatExpFindPort,
  type NfNatFollowMaster,
  type NfNatMangle,
  Tuple,
  type Verdict,
} from "@ctkit/helper-kit";
import type { FtpPacket, FtpType, NfNatFtpFn } from "@ctkit/plugin-ftp";
import { formatAnnouncement, MAX_FORMATTED } from "./format.js";

export interface NatFtpDeps {
  mangleTcp: NfNatMangle;
  followMaster: NfNatFollowMaster;
  expFindPort: NfNatExpFindPort;
  /** nf_ct_helper_log: one line about the packet being dropped. */
  helperLog: (ct: ConnHandle, msg: string) => void;
}

const ESTABLISHED_REPLY = 3;

export function createNatFtp(deps: NatFtpDeps): NfNatFtpFn {
  const other = new Tuple();
  const rep = new Uint8Array(MAX_FORMATTED);
  return function natFtp(
    pkt: FtpPacket,
    ct: ConnHandle,
    ctinfo: CtInfo,
    type: FtpType,
    _protoff: number,
    matchOff: number,
    matchLen: number,
    exp: Expectation,
  ): Verdict {
    const dir = ctinfo >= ESTABLISHED_REPLY ? 1 : 0;
    ct.tuple((dir ^ 1) as 0 | 1, other);
    exp.savedPort = exp.tuple.dport;
    exp.dir = (dir ^ 1) as 0 | 1;
    exp.expectfn = deps.followMaster;
    const port = deps.expFindPort(exp, exp.savedPort, pkt.time);
    if (port === 0) {
      deps.helperLog(ct, "all ports in use");
      return NF_DROP;
    }
    const family = other.family === 6 ? 6 : 4;
    const len = formatAnnouncement(rep, type, family, other.dst, port);
    if (!deps.mangleTcp(pkt, matchOff, matchLen, rep, len)) {
      deps.helperLog(ct, "cannot mangle packet");
      ct.unexpectRelated(exp);
      return NF_DROP;
    }
    return NF_ACCEPT;
  };
}
