/**
 * ctkit ip: iproute2's `ip addr` / `ip route` against the kernel's router.
 */
import type { Kernel } from "@ctkit/kernel";
import type { Command, CommandContext } from "../command.js";

export const ip: Command = {
  name: "ip",
  summary: "show and change interface addresses and routes (iproute2 subset)",
  help: "Usage: ctkit ip [-4|-6] { addr | route } { add | del | show } ...\n  ip addr add ADDR/LEN dev IF\n  ip route add PREFIX|default via GW [dev IF]\n  ip route add PREFIX dev IF\n",
  where: "live",
  async run(ctx: CommandContext, argv: string[]): Promise<number> {
    const r = (ctx.kernel as Kernel).net.ip(argv);
    if (r.stdout) ctx.io.out(r.stdout);
    if (r.stderr) ctx.io.err(r.stderr);
    return r.status;
  },
};
