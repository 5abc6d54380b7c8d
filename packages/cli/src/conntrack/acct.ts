import type { Kernel } from "@ctkit/kernel";

/** Whether listings and DESTROY events show per-direction counters (net.netfilter.nf_conntrack_acct). */
export function acctOn(k: Kernel): boolean {
  return (
    k.sysctl.has("net.netfilter.nf_conntrack_acct") &&
    k.sysctl.get("net.netfilter.nf_conntrack_acct") === 1
  );
}
