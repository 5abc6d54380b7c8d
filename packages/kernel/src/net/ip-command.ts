/**
 * The `ip` subset ctkit implements — addr add/del/flush/show, route
 * add/replace/del/show, link set/show — parsed the way iproute2 6.1
 * parses it and answering with its words and exit statuses: 1 for
 * argument errors, 2 when "the kernel" refuses (RTNETLINK answers /
 * extack "Error: …"), 255 for usage errors. Kernel-side checks follow
 * the Linux code they mirror (fib_create_info, ip6_route_info_create,
 * __inet_insert_ifa, …).
 */
import { doAddr } from "./ip-addr.js";
import { type Family, IpError, matches } from "./ip-args.js";
import { type IpTarget, invarg, type Out, unsupported } from "./ip-common.js";
import { doLink } from "./ip-link.js";
import { doRoute } from "./ip-route.js";

export type { IpTarget } from "./ip-common.js";

export interface IpResult {
  status: number;
  stdout: string;
  stderr: string;
}

const IP_USAGE =
  "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n" +
  "where  OBJECT := { address | link | route }   (the ctkit subset)\n" +
  "       OPTIONS := { -4 | -6 | -f[amily] { inet | inet6 } }\n";

/** Runs `ip ARGS` (argv without the leading "ip"). */
export function runIp(target: IpTarget, argv: readonly string[]): IpResult {
  const out = { stdout: "", stderr: "" };
  try {
    const status = dispatch(target, argv[0] === "ip" ? argv.slice(1) : [...argv], out);
    return { status, ...out };
  } catch (e) {
    if (!(e instanceof IpError)) throw e;
    return { status: e.status, stdout: out.stdout, stderr: out.stderr + e.message };
  }
}

function dispatch(t: IpTarget, args: string[], out: Out): number {
  let family: Family = 0;
  while (args.length > 0 && (args[0] as string).startsWith("-")) {
    let opt = args.shift() as string;
    if (opt === "--") break;
    if (opt.startsWith("--")) opt = opt.slice(1);
    if (opt === "-4") family = 4;
    else if (opt === "-6") family = 6;
    else if (matches(opt, "-family")) {
      const f = args.shift();
      if (f === undefined) throw new IpError(IP_USAGE, 255);
      if (f === "inet") family = 4;
      else if (f === "inet6") family = 6;
      else throw invarg("invalid protocol family", f);
    } else if (matches(opt, "-help")) throw new IpError(IP_USAGE, 255);
    else if (
      ["-stats", "-statistics", "-details", "-json", "-pretty", "-brief", "-oneline", "-0"].some(
        (o) => matches(opt, o),
      )
    ) {
      throw unsupported(`option "${opt}"`);
    } else throw new IpError(`Option "${opt}" is unknown, try "ip -help".\n`, 255);
  }
  const obj = args.shift();
  if (obj === undefined) throw new IpError(IP_USAGE, 255);
  if (matches(obj, "address")) return doAddr(t, family, args, out);
  if (matches(obj, "route")) return doRoute(t, family, args, out);
  if (matches(obj, "link")) return doLink(t, args, out);
  const known = [
    "addrlabel",
    "maddress",
    "rule",
    "neighbor",
    "neighbour",
    "ntable",
    "tunnel",
    "netns",
    "nexthop",
    "xfrm",
    "monitor",
    "mroute",
    "vrf",
  ];
  if (known.some((k) => matches(obj, k))) throw unsupported(`"ip ${obj}"`);
  if (matches(obj, "help")) throw new IpError(IP_USAGE, 255);
  throw new IpError(`Object "${obj}" is unknown, try "ip help".\n`, 1);
}
