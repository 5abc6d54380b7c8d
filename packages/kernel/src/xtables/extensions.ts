/**
 * The extensions ctkit implements, looked up by name as xtables_find_match()
 * and xtables_find_target() do, plus the names of the extensions a Linux
 * system has but ctkit does not: `-j LOG` is refused with iptables' own
 * "Couldn't load target" message rather than mistaken for a chain name.
 */

import { ConntrackMatch, StateMatch } from "./matches/ctstate.js";
import { HelperMatch } from "./matches/helper.js";
import { Icmp6Match, IcmpMatch } from "./matches/icmp.js";
import type { Match } from "./matches/match.js";
import { TcpMatch, UdpMatch } from "./matches/ports.js";
import { CtTarget, NotrackTarget } from "./targets/ct.js";
import { DnatTarget, MasqueradeTarget, RedirectTarget, SnatTarget } from "./targets/nat.js";
import { RejectTarget } from "./targets/reject.js";
import { StandardTarget, type Target } from "./targets/target.js";

/** A new instance of match NAME for the family, or null if ctkit has none. */
export function createMatch(name: string, family: 4 | 6): Match | null {
  // xtables_find_match(): all spellings of ICMPv6 mean the icmp6 match.
  const n = name === "icmpv6" || name === "ipv6-icmp" ? "icmp6" : name;
  switch (n) {
    case "tcp":
      return new TcpMatch();
    case "udp":
      return new UdpMatch();
    case "icmp":
      return family === 4 ? new IcmpMatch() : null;
    case "icmp6":
      return family === 6 ? new Icmp6Match() : null;
    case "conntrack":
      return new ConntrackMatch();
    case "state":
      return new StateMatch();
    case "helper":
      return new HelperMatch();
    default:
      return null;
  }
}

/** A new instance of target NAME, or null when NAME is no target ctkit has (maybe a chain). */
export function createTarget(name: string, family: 4 | 6): Target | null {
  switch (name) {
    case "ACCEPT":
    case "DROP":
    case "RETURN":
      return new StandardTarget(name);
    case "REJECT":
      return new RejectTarget(family);
    case "CT":
      return new CtTarget();
    case "NOTRACK":
      return new NotrackTarget();
    case "SNAT":
      return new SnatTarget(family);
    case "DNAT":
      return new DnatTarget(family);
    case "MASQUERADE":
      return new MasqueradeTarget(family);
    case "REDIRECT":
      return new RedirectTarget(family);
    default:
      return null;
  }
}

/** Target extensions of iptables 1.8.9 that ctkit does not implement. */
const OTHER_TARGETS = new Set([
  "QUEUE",
  "AUDIT",
  "CHECKSUM",
  "CLASSIFY",
  "CLUSTERIP",
  "CONNMARK",
  "CONNSECMARK",
  "DNPT",
  "DSCP",
  "ECN",
  "HL",
  "HMARK",
  "IDLETIMER",
  "LED",
  "LOG",
  "MARK",
  "NETMAP",
  "NFLOG",
  "NFQUEUE",
  "RATEEST",
  "SECMARK",
  "SET",
  "SNPT",
  "SYNPROXY",
  "TCPMSS",
  "TCPOPTSTRIP",
  "TEE",
  "TOS",
  "TPROXY",
  "TRACE",
  "TTL",
  "ULOG",
]);

/** Whether `-j NAME` names a target extension (ours or one we lack). */
export function isTargetName(name: string): boolean {
  return createTarget(name, 4) !== null || OTHER_TARGETS.has(name);
}

export function isUnsupportedTarget(name: string): boolean {
  return OTHER_TARGETS.has(name);
}
