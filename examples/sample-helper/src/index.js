// @ts-check
/**
 * nf_conntrack_sample: a line-oriented protocol helper. One helper per
 * configured port (named "sample" for the default port 9999 and
 * "sample-PORT" for others, as Linux names them). It watches client
 * commands and drops segments carrying a line longer than max_line, logging
 * why — the shape of every real helper: parse, decide, log.
 */
import { CtInfo, defineModule, NF_ACCEPT, NF_DROP } from "@ctkit/helper-kit";

/** @typedef {{ ports: number[], max_line: number }} Params */

export default defineModule(
  /** @type {Omit<import("@ctkit/helper-kit").ModuleDefinition<Params>, "ctkitModule">} */ ({
    init(ctx) {
      for (const port of ctx.params.ports) {
        ctx.registerHelper({
          name: port === 9999 ? "sample" : `sample-${port}`,
          l3: "unspec",
          l4: "tcp",
          port,
          expectPolicy: [{ name: "sample", maxExpected: 1, timeout: 300 }],
          help(pkt, _protoff, _ct, ctinfo) {
            // Only established traffic carries commands, as for FTP.
            if (ctinfo !== CtInfo.ESTABLISHED && ctinfo !== CtInfo.ESTABLISHED_REPLY)
              return NF_ACCEPT;
            const limit = ctx.params.max_line;
            let lineStart = pkt.payloadOffset;
            const end = pkt.payloadOffset + pkt.payloadLength;
            for (let i = lineStart; i < end; i++) {
              if (pkt.data[i] !== 0x0a) continue;
              if (i - lineStart > limit) return tooLong(i - lineStart);
              lineStart = i + 1;
            }
            if (end - lineStart > limit) return tooLong(end - lineStart);
            return NF_ACCEPT;
          },
        });
      }

      /** @param {number} length */
      function tooLong(length) {
        ctx.log(`dropping a ${length}-byte line (max_line is ${ctx.params.max_line})`, "warn");
        return NF_DROP;
      }
    },
  }),
);
