/**
 * Loose comparison of conntrack -L listings: the same entries with the same
 * states and flags; timeouts may differ by the time between the last packet
 * (ctkit's clock at the end of replay) and the kernel's snapshot.
 */
export interface CtEntry {
  key: string;
  timeout: number;
}

/** "tcp 6 119 TIME_WAIT src=… use=1" → key without the timeout and use=, plus the timeout. */
export function parseConntrack(text: string): CtEntry[] {
  const out: CtEntry[] = [];
  for (const line of text.split("\n")) {
    const w = line.trim().split(/\s+/);
    if (w.length < 4 || !/^\d+$/.test(w[1]) || !/^\d+$/.test(w[2])) continue;
    const rest = w.slice(3).filter((x) => !x.startsWith("use="));
    out.push({ key: [w[0], w[1], ...rest].join(" "), timeout: Number(w[2]) });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Differences as readable lines; elapsed = seconds from the last packet to the kernel's snapshot. */
export function compareConntrack(
  kernelText: string,
  ctkitText: string,
  elapsed: number,
  what = "conntrack",
): string[] {
  const k = parseConntrack(kernelText);
  const c = parseConntrack(ctkitText);
  const out: string[] = [];
  const ckeys = new Map(c.map((e) => [e.key, e]));
  const kkeys = new Set(k.map((e) => e.key));
  for (const e of k) {
    const m = ckeys.get(e.key);
    if (!m) {
      out.push(`${what}: kernel has '${e.key}', ctkit not`);
      continue;
    }
    // The kernel lists the timeout left at its snapshot, ctkit at its last packet.
    const drift = m.timeout - elapsed - e.timeout;
    if (Math.abs(drift) > 2)
      out.push(
        `${what}: '${e.key}' timeout: kernel ${e.timeout} (${elapsed.toFixed(1)} s after the last packet), ctkit ${m.timeout}`,
      );
  }
  for (const e of c) if (!kkeys.has(e.key)) out.push(`${what}: ctkit has '${e.key}', kernel not`);
  return out;
}
