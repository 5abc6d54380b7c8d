/**
 * Loose comparison of conntrack -L (and -L expect) listings: the same
 * entries with the same states, flags and use counts; timeouts may differ by the time between the last packet
 * (ctkit's clock at the end of replay) and the kernel's snapshot.
 */
export interface CtEntry {
  key: string;
  timeout: number;
}

/**
 * A listing's entries as key (everything but the timeout) and timeout:
 * "tcp 6 119 TIME_WAIT src=… use=2" (conntrack -L; use= counts the
 * entry's children, so it is compared) and "299 proto=6 src=…"
 * (conntrack -L expect, the timeout first).
 */
export function parseConntrack(text: string): CtEntry[] {
  const out: CtEntry[] = [];
  for (const line of text.split("\n")) {
    const w = line.trim().split(/\s+/);
    if (w.length >= 3 && /^\d+$/.test(w[0]) && w[1].startsWith("proto=")) {
      out.push({ key: w.slice(1).join(" "), timeout: Number(w[0]) });
      continue;
    }
    if (w.length < 4 || !/^\d+$/.test(w[1]) || !/^\d+$/.test(w[2])) continue;
    out.push({ key: [w[0], w[1], ...w.slice(3)].join(" "), timeout: Number(w[2]) });
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
