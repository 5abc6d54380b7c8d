/**
 * modprobe -c: the effective configuration, grouped as kmod prints it,
 * then the module aliases from the index.
 */
import type { ModuleSubsystem } from "@ctkit/kernel";

export function showConfig(mods: ModuleSubsystem): string {
  const cfg = mods.modprobeConfig;
  let out = "";
  for (const b of cfg.blacklist) out += `blacklist ${b}\n`;
  for (const a of cfg.aliases) out += `alias ${a.pattern} ${a.target}\n`;
  for (const [m, opts] of cfg.options) out += `options ${m} ${opts.join(" ")}\n`;
  for (const [m, d] of cfg.softdeps) {
    out += `softdep ${m}${d.pre.length ? ` pre: ${d.pre.join(" ")}` : ""}${d.post.length ? ` post: ${d.post.join(" ")}` : ""}\n`;
  }
  out += "\n# End of configuration files. Dumping indexes now:\n\n";
  for (const m of mods.available())
    for (const a of m.alias) out += `alias ${a.replaceAll("-", "_")} ${m.name}\n`;
  return out;
}
