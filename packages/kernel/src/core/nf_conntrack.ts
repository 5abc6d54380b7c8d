/**
 * nf_conntrack: sets up connection tracking for the kernel instance (one
 * network namespace) and publishes its sysctls. Parameter semantics follow
 * Linux: hashsize picks the bucket count, rounded up to a multiple of 512
 * (one page of bucket heads); nf_conntrack_max is 8 × that when hashsize
 * was given and 1 × the memory-derived default otherwise,
 * expect_hashsize defaults to hashsize/256 and bounds the expectation
 * table at four times that, and acct/tstamp/nf_conntrack_helper give the
 * defaults of the per-namespace sysctls.
 */
import { CONNTRACK_TIMEOUTS, DEFAULT_HASHSIZE } from "../conntrack-defaults.js";
import { defineModule } from "../module/definition.js";
import { KernelError } from "../module/errors.js";

interface Params extends Record<string, boolean | number> {
  hashsize: number;
  expect_hashsize: number;
  acct: boolean;
  tstamp: boolean;
  nf_conntrack_helper: boolean;
}

export default defineModule<Params>({
  init(ctx) {
    const k = ctx.kernel;
    const ct = k.conntrackConfig;
    const given = ctx.params.hashsize;
    ct.buckets = given ? Math.ceil(given / 512) * 512 : DEFAULT_HASHSIZE;
    // nf_conntrack_init_start: max_factor 8 for an explicit size, 1 for the default.
    const maxFactor = given ? 8 : 1;
    const expectBuckets = ctx.params.expect_hashsize || Math.max(1, Math.floor(ct.buckets / 256));
    ct.enabled = true;
    ct.count = () => k.conntrack.count;
    const bool = (v: boolean) => (v ? 1 : 0);
    const reg = (
      name: string,
      value: number,
      extra: Partial<Parameters<typeof ctx.registerSysctl>[1]> = {},
    ) =>
      ctx.registerSysctl(`net.netfilter.${name}`, {
        value,
        min: 0,
        // Trackers cache timeouts and switches: tell them about writes.
        onChange: () => k.conntrack.loadTimeouts(),
        ...extra,
      });

    reg("nf_conntrack_max", ct.buckets * maxFactor, { max: 0x7fffffff });
    reg("nf_conntrack_buckets", ct.buckets, {
      min: 1,
      max: 1 << 26,
      onChange: (v) => {
        ct.buckets = v;
        // One variable in Linux: the bucket sysctl and the hashsize parameter.
        (ctx.params as { hashsize: number }).hashsize = v;
      },
    });
    reg("nf_conntrack_count", 0, { mode: 0o444, get: () => ct.count() });
    reg("nf_conntrack_expect_max", expectBuckets * 4, { min: 1, max: 0x7fffffff });
    reg("nf_conntrack_acct", bool(ctx.params.acct), { max: 1 });
    reg("nf_conntrack_timestamp", bool(ctx.params.tstamp), { max: 1 });
    reg("nf_conntrack_helper", bool(ctx.params.nf_conntrack_helper), { max: 1 });
    reg("nf_conntrack_checksum", 1, { max: 1 });
    reg("nf_conntrack_log_invalid", 0, { max: 255 });
    reg("nf_conntrack_tcp_loose", 1, { max: 1 });
    reg("nf_conntrack_tcp_be_liberal", 0, { max: 1 });
    reg("nf_conntrack_tcp_ignore_invalid_rst", 0, { max: 1 });
    reg("nf_conntrack_tcp_max_retrans", 3);
    for (const [name, seconds] of Object.entries(CONNTRACK_TIMEOUTS)) reg(name, seconds);
    // An explicit hashsize sizes the table up front, as Linux allocates its buckets.
    if (given) k.conntrack.table.reserve(Math.min(ct.buckets, 1 << 22));
    k.conntrack.enableTcp();
    ctx.onCleanup(() => {
      ct.enabled = false;
    });
  },
  paramChanged(name, value, ctx) {
    // Writing /sys/module/nf_conntrack/parameters/hashsize resizes the table.
    if (name === "hashsize") {
      const v = value as number;
      // nf_conntrack_set_hashsize: a deliberate -EINVAL, not a crash (no taint).
      if (v === 0) throw new KernelError("EINVAL", "nf_conntrack: hashsize must be positive");
      ctx.kernel.sysctl.set("net.netfilter.nf_conntrack_buckets", String(v));
    }
  },
});
