/**
 * Modules shipped inside the kernel package, like the netfilter modules of a
 * distribution kernel: loadable, unloadable, with parameters, listed by
 * lsmod and modinfo. Their metadata lives here (not in a package.json of
 * their own) and their code in ./core/NAME.ts, built to dist/core/NAME.js.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ModuleInfo, parseModuleMetadata } from "./module/metadata.js";
import { KERNEL_VERSION } from "./version.js";

// Linux declares hashsize and expect_hashsize without MODULE_PARM_DESC, so
// modinfo shows them as bare "name:type"; the empty descriptions keep that.
const CORE_MODULES: Record<string, unknown>[] = [
  {
    module: "nf_conntrack",
    description: "IPv4 and IPv6 connection tracking",
    license: "GPL",
    alias: ["ip_conntrack", "nf_conntrack-2", "nf_conntrack-10"],
    params: {
      hashsize: {
        type: "uint",
        perm: "0600",
        default: 0,
      },
      expect_hashsize: {
        type: "uint",
        perm: "0400",
        default: 0,
      },
      acct: {
        type: "bool",
        perm: "0644",
        default: false,
        description: "Enable connection tracking flow accounting.",
      },
      tstamp: {
        type: "bool",
        perm: "0644",
        default: false,
        description: "Enable connection tracking flow timestamping.",
      },
      nf_conntrack_helper: {
        type: "bool",
        perm: "0644",
        default: false,
        description: "Enable automatic conntrack helper assignment (default 0)",
      },
    },
  },
  {
    module: "nf_conntrack_proto_gre",
    description: "netfilter connection tracking protocol helper for GRE",
    license: "GPL",
    alias: ["nf_conntrack_gre"],
    depends: ["nf_conntrack"],
  },
  {
    module: "nf_nat",
    description: "Network address translation core",
    license: "GPL",
    alias: ["nf-nat", "ip_nat"],
    depends: ["nf_conntrack"],
  },
];

/** dist/ when running built code; the package root is its parent. */
const here = dirname(fileURLToPath(import.meta.url));

export function coreModules(): ModuleInfo[] {
  const pkgDir = dirname(here);
  return CORE_MODULES.map((meta) => {
    const name = meta.module as string;
    const pkg = {
      name: "@ctkit/kernel",
      version: KERNEL_VERSION,
      ctkit: { ...meta, kernel: `=${KERNEL_VERSION}`, entry: join(here, "core", `${name}.js`) },
    };
    return parseModuleMetadata(pkg, join(pkgDir, "package.json"), "core");
  });
}
