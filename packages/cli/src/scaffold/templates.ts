/**
 * Files of a new third-party helper package. The helper is plain ESM
 * JavaScript with JSDoc types (checked by TypeScript through the helper
 * kit's declarations), so `modprobe` can load it without a build step.
 */
export interface ScaffoldVars {
  /** Helper name, e.g. "myproto". */
  name: string;
  /** Default server port. */
  port: number;
  /** Absolute path of the helper kit package (for the file: dependency). */
  helperKitDir: string;
  kernelRange: string;
}

export function packageJson(v: ScaffoldVars): string {
  const pkg = {
    name: `ctkit-helper-${v.name}`,
    version: "0.1.0",
    description: `${v.name} connection tracking helper for ctkit`,
    type: "module",
    exports: "./src/index.js",
    license: "GPL-2.0-only",
    scripts: { test: "vitest run", typecheck: "tsc --noEmit" },
    dependencies: { "@ctkit/helper-kit": `file:${v.helperKitDir}` },
    devDependencies: { typescript: "~5.9.3", vitest: "^4.1.12" },
    ctkit: {
      module: `nf_conntrack_${v.name}`,
      description: `${v.name} connection tracking helper`,
      license: "GPL-2.0-only",
      alias: [`nfct-helper-${v.name}`],
      depends: ["nf_conntrack"],
      kernel: v.kernelRange,
      params: {
        ports: {
          type: "array of ushort",
          max: 8,
          perm: "0400",
          default: [v.port],
          description: `Port numbers of ${v.name} servers`,
        },
        max_line: {
          type: "uint",
          perm: "0644",
          default: 512,
          description: "Longest command line accepted; longer ones are dropped",
        },
      },
    },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

export function indexJs(v: ScaffoldVars): string {
  return `// @ts-check
/**
 * nf_conntrack_${v.name}: a line-oriented protocol helper. One helper per
 * configured port (named "${v.name}" for the default port ${v.port} and
 * "${v.name}-PORT" for others, as Linux names them). It watches client
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
          name: port === ${v.port} ? "${v.name}" : \`${v.name}-\${port}\`,
          l3: "unspec",
          l4: "tcp",
          port,
          expectPolicy: [{ name: "${v.name}", maxExpected: 1, timeout: 300 }],
          help(pkt, _protoff, _ct, ctinfo) {
            // Only established traffic carries commands, as for FTP.
            if (ctinfo !== CtInfo.ESTABLISHED && ctinfo !== CtInfo.ESTABLISHED_REPLY) return NF_ACCEPT;
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
        ctx.log(\`dropping a \${length}-byte line (max_line is \${ctx.params.max_line})\`, "warn");
        return NF_DROP;
      }
    },
  }),
);
`;
}

export function testJs(v: ScaffoldVars): string {
  return `import { fileURLToPath } from "node:url";
import { loadPlugin, NF_ACCEPT, NF_DROP, CtInfo, payloadPacket } from "@ctkit/helper-kit";
import { describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("..", import.meta.url));

describe("nf_conntrack_${v.name}", () => {
  it("registers one helper per port, named like Linux names them", async () => {
    const p = await loadPlugin(dir, ["ports=${v.port},4000"]);
    expect(p.helpers.map((h) => h.spec.name)).toEqual(["${v.name}", "${v.name}-4000"]);
    expect(p.module.params.ports).toEqual([${v.port}, 4000]);
    // It depends on nf_conntrack, which the loader brought in first.
    expect(p.kernel.modules.find("nf_conntrack")?.holders.has(p.module)).toBe(true);
    p.unload();
    expect(p.kernel.helpers.list()).toHaveLength(0);
  });

  it("accepts short lines and drops an over-long one", async () => {
    const p = await loadPlugin(dir, ["max_line=8"]);
    const help = p.helper("${v.name}").spec.help;
    expect(help(payloadPacket("HELLO\\r\\nQUIT\\r\\n"), 20, null, CtInfo.ESTABLISHED)).toBe(NF_ACCEPT);
    expect(help(payloadPacket("A-VERY-LONG-LINE\\r\\n"), 20, null, CtInfo.ESTABLISHED)).toBe(NF_DROP);
    expect(p.kernel.log.all().map((l) => l.text)).toContain("nf_conntrack_${v.name}: dropping a 17-byte line (max_line is 8)");
  });

  it("refuses a bad parameter the way the kernel does", async () => {
    await expect(loadPlugin(dir, ["ports=70000"])).rejects.toThrow("invalid for parameter \`ports'");
  });
});
`;
}

export function readme(v: ScaffoldVars): string {
  return `# ctkit-helper-${v.name}

A ctkit conntrack helper module, \`nf_conntrack_${v.name}\`.

    npm install                 # brings in @ctkit/helper-kit and vitest
    npm test                    # loads the module into a test kernel and drives it
    ctkit depmod --module-dir .. # index it (the folder holding this package)
    ctkit modprobe nf_conntrack_${v.name} ports=${v.port},4000
    ctkit modinfo nf_conntrack_${v.name}

The module's metadata (what \`modinfo\` shows, its parameters and aliases)
is the \`ctkit\` field of package.json; its code is src/index.js.
`;
}

export function tsconfig(): string {
  return `${JSON.stringify(
    {
      compilerOptions: {
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2022",
        allowJs: true,
        checkJs: true,
        noEmit: true,
        strict: true,
        skipLibCheck: true,
      },
      include: ["src", "test"],
    },
    null,
    2,
  )}\n`;
}
