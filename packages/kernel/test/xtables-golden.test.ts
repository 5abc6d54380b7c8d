/**
 * Replays every command recorded on the real iptables (xtables-goldens.ts,
 * made by xtables-record.mjs in throwaway network namespaces) against
 * ctkit's rule engine, scenario by scenario from empty tables, and demands
 * the same stdout, stderr, exit status and kernel log lines.
 */
import { describe, expect, it } from "vitest";
import { XtablesError } from "../src/xtables/index.js";
import { GOLDENS, type GoldenStep } from "./xtables-goldens.js";
import { makeRig } from "./xtables-support.js";

/**
 * Commands where ctkit deliberately differs from the machine the goldens
 * were recorded on, with the reason.
 */
const DIVERGENCES: Record<string, string> = {
  // nf_tables creates built-in chains lazily: a jump to one that was never
  // used fails with ENOENT, to one that exists with EOPNOTSUPP. ctkit's
  // built-in chains always exist, so it always says EOPNOTSUPP.
  "iptables -A INPUT -j OUTPUT": "built-in chains exist from the start",
  // Real iptables names multiport's own requirement; ctkit has no multiport
  // match and says it cannot load it. Both refuse the rule.
  "iptables -A INPUT -m multiport --dports 1,2": "multiport is not implemented",
};

/** The first differing line of each field, so a failure reads quickly. */
function describeDiff(line: string, want: Outcome, got: Outcome): string {
  const parts = [`$ ${line}`];
  if (want.rc !== got.rc) parts.push(`  rc: want ${want.rc}, got ${got.rc}`);
  for (const k of ["stdout", "stderr"] as const) {
    const w = want[k].split("\n");
    const g = got[k].split("\n");
    const i = w.findIndex((l, n) => l !== g[n]);
    const at = i >= 0 ? i : w.length;
    if (want[k] !== got[k]) {
      parts.push(
        `  ${k} line ${at + 1}: want ${JSON.stringify(w[at])}, got ${JSON.stringify(g[at])}`,
      );
    }
  }
  if (JSON.stringify(want.dmesg) !== JSON.stringify(got.dmesg)) {
    parts.push(`  dmesg: want ${JSON.stringify(want.dmesg)}, got ${JSON.stringify(got.dmesg)}`);
  }
  return parts.join("\n");
}

interface Outcome {
  rc: number;
  stdout: string;
  stderr: string;
  dmesg: string[];
}

describe.each(GOLDENS.map((s) => [s.name, s] as const))("%s", (_name, scenario) => {
  it("matches the real iptables command by command", async () => {
    const rig = makeRig();
    const failures: string[] = [];
    for (const step of scenario.steps as GoldenStep[]) {
      const line = step.argv.join(" ");
      const family = step.argv[0] === "ip6tables" ? 6 : 4;
      const before = rig.log.length;
      let got: Outcome;
      try {
        const r = await rig.xt.apply(family, step.argv.slice(1));
        got = { rc: 0, stdout: r.stdout, stderr: r.stderr, dmesg: [] };
      } catch (e) {
        if (!(e instanceof XtablesError)) throw e;
        got = { rc: e.exitCode, stdout: e.stdout, stderr: e.stderr, dmesg: [] };
      }
      got.dmesg = rig.log.slice(before);
      const want: Outcome = {
        rc: step.rc,
        stdout: step.stdout,
        stderr: step.stderr,
        dmesg: step.dmesg,
      };
      if (DIVERGENCES[line] !== undefined) continue;
      if (JSON.stringify(got) !== JSON.stringify(want))
        failures.push(describeDiff(line, want, got));
    }
    expect(failures.join("\n")).toBe("");
  });
});
