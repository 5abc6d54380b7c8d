/**
 * One-to-one renaming of identifiers NAT (or the kernel's ID generator) may
 * choose freely: per kind, kernel value ↔ ctkit value must stay a bijection
 * for the whole comparison (so a flow keeps its port, and two flows never
 * share one).
 */
export class Renamer {
  private readonly forward = new Map<string, Map<string, string>>();
  private readonly backward = new Map<string, Map<string, string>>();

  /** Records kernel ↔ ctkit; returns an explanation when that breaks the bijection. */
  bind(kind: string, kernel: string, ctkit: string): string | null {
    const fw = this.table(this.forward, kind);
    const bw = this.table(this.backward, kind);
    const was = fw.get(kernel);
    if (was !== undefined && was !== ctkit)
      return `${kind} ${kernel} was renamed to ${was} before, now to ${ctkit}`;
    const back = bw.get(ctkit);
    if (back !== undefined && back !== kernel)
      return `${kind} ${ctkit} already stands for ${back}, now also for ${kernel}`;
    fw.set(kernel, ctkit);
    bw.set(ctkit, kernel);
    return null;
  }

  /** Every binding so far as [kind, kernel value, ctkit value] (identities included). */
  *entries(): Generator<[string, string, string]> {
    for (const [kind, m] of this.forward) for (const [k, c] of m) yield [kind, k, c];
  }

  /** The renamings that were not the identity, for the summary. */
  nonIdentity(): string[] {
    const out: string[] = [];
    for (const [kind, m] of this.forward)
      for (const [k, c] of m) if (k !== c) out.push(`${kind} ${k}→${c}`);
    return out;
  }

  private table(t: Map<string, Map<string, string>>, kind: string): Map<string, string> {
    let m = t.get(kind);
    if (!m) {
      m = new Map();
      t.set(kind, m);
    }
    return m;
  }
}
