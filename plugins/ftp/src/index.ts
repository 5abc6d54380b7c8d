/**
 * nf_conntrack_ftp as a ctkit module: the FTP connection tracking helper.
 *
 * Like Linux, it registers two helpers per configured port (IPv4 and IPv6),
 * named "ftp" for port 21 and "ftp-PORT" otherwise, each allowing one
 * pending expectation per control connection that lives 300 s. A rule
 * attaches it (`iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT
 * --helper ftp`), which loads this module on demand by its alias
 * nfct-helper-ftp. It exports the slot nf_nat_ftp plugs into
 * (NF_NAT_FTP_HOOK); the types nf_nat_ftp needs are exported here.
 *
 * The modinfo (aliases, parameters) is the `ctkit` field of package.json.
 */

import type { ConnHandle } from "@ctkit/helper-kit";
import { defineModule } from "@ctkit/helper-kit";
import { createFtpHelp } from "./help.js";
import { NF_NAT_FTP_HOOK, NfNatFtpHook } from "./nat-hook.js";
import { FTP_MASTER_SIZE } from "./nl-seq.js";
import type { FtpPacket } from "./packet.js";

export { FtpCommand, FtpType } from "./command.js";
export { NF_NAT_FTP_HOOK, type NfNatFtpFn, NfNatFtpHook } from "./nat-hook.js";
export type { FtpPacket } from "./packet.js";

/** FTP_PORT: the port whose helper is plain "ftp", and the default. */
export const FTP_PORT = 21;

type Params = {
  /** Ports of FTP servers (read-only after load). */
  ports: number[];
  /** Expect connections to any announced address, not only the sender's. */
  loose: boolean;
};

export default defineModule<Params>({
  init(ctx) {
    const natHook = new NfNatFtpHook();
    ctx.exportSymbol(NF_NAT_FTP_HOOK, natHook);
    // An explicitly empty list falls back to the default, as ports_c == 0 does.
    const ports = ctx.params.ports.length > 0 ? ctx.params.ports : [FTP_PORT];
    const log = (line: string) => ctx.kernel.log.write("notice", line);
    const loose = () => ctx.params.loose;
    try {
      for (const port of ports) {
        const name = port === FTP_PORT ? "ftp" : `ftp-${port}`;
        const help = createFtpHelp({ name, loose, natHook, log });
        for (const l3 of ["ipv4", "ipv6"] as const) {
          ctx.registerHelper<FtpPacket, ConnHandle>({
            name,
            l3,
            l4: "tcp",
            port,
            expectPolicy: [{ name: "ftp", maxExpected: 1, timeout: 300 }],
            help,
            natModName: "ip_nat_ftp",
            dataLen: FTP_MASTER_SIZE,
          });
        }
      }
    } catch (e) {
      // Registrations made so far are undone with the failed load.
      ctx.log("failed to register helpers", "err");
      throw e;
    }
  },
});
