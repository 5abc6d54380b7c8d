/**
 * The router both NAT passes replay through, built the way `ctkit replay`
 * builds one from a set-up file: lan 10.0.0.1/8 (the generator's clients),
 * wan 192.0.2.1/24 with the default route via 192.0.2.254 (the servers),
 * forwarding on, nf_conntrack sized for the expected connections.
 *   masquerade: `iptables -t nat -A POSTROUTING -o wan -j MASQUERADE`
 *               (which loads nf_nat and turns tracking on, as in Linux);
 *   routed:     no rule; tracking turned on directly (nf_ct_netns_get), so
 *               both routers do the same conntrack work and differ by NAT.
 * What the router sends is only counted, per interface.
 */
import { Kernel } from "@ctkit/kernel";

/** The router's public address: MASQUERADE's source, the NAT capture's reply destination. */
export const WAN_ADDRESS = 0xc0000201; // 192.0.2.1

export const MASQUERADE_RULE = ["-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE"];

export class SentCounts {
  lan = 0;
  wan = 0;
}

export interface BenchRouter {
  kernel: Kernel;
  lan: number;
  wan: number;
  sent: SentCounts;
}

export async function benchRouter(connections: number, masquerade: boolean): Promise<BenchRouter> {
  const kernel = new Kernel({ clock: () => 0 });
  const hashsize = Math.max(512, connections);
  await kernel.modules.probe("nf_conntrack", { params: [`hashsize=${hashsize}`] });
  const max = "net.netfilter.nf_conntrack_max";
  if (kernel.sysctl.get(max) < connections) kernel.sysctl.set(max, String(connections));
  for (const cmd of [
    "addr add 10.0.0.1/8 dev lan",
    "addr add 192.0.2.1/24 dev wan",
    "route add default via 192.0.2.254",
  ]) {
    const r = kernel.net.ip(cmd.split(" "));
    if (r.status !== 0) throw new Error(`bench router: ip ${cmd}: ${r.stderr.trim()}`);
  }
  kernel.sysctl.set("net.ipv4.ip_forward", "1");
  if (masquerade) {
    await kernel.xtables.apply(4, MASQUERADE_RULE);
    await kernel.settle();
  } else {
    kernel.conntrack.netnsGet(4);
  }
  const lan = kernel.net.deviceIndex("lan");
  const wan = kernel.net.deviceIndex("wan");
  const sent = new SentCounts();
  kernel.net.setTransmit((ifindex) => {
    if (ifindex === lan) sent.lan++;
    else if (ifindex === wan) sent.wan++;
  });
  return { kernel, lan, wan, sent };
}
