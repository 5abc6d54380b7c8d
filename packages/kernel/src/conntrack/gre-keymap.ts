/**
 * The GRE keymap (nf_conntrack_proto_gre.c). An enhanced-GRE (PPTP)
 * packet carries one key, the receiver's call ID; a connection needs both.
 * The PPTP helper records, per direction of its control connection, the
 * full tuple a call's GRE packets will have; a packet's source key is
 * then looked up by its addresses, protocol and destination key.
 *
 * Each master owns at most one entry per direction. Adding the same
 * tuple again (a retransmitted call reply) is fine; a different one while
 * the first is in place is refused with EEXIST — which is why Linux
 * handles one call per control connection at a time. The list is
 * searched in insertion order, first match wins.
 */
import type { ConnHandle } from "./conn-handle.js";
import { Tuple } from "./tuple.js";

/** nf_ct_gre_keymap_add as nf_conntrack_proto_gre exports it: the master is the helper's connection. */
export type NfCtGreKeymapAdd = (ct: ConnHandle, dir: 0 | 1, t: Tuple) => 0 | "EEXIST";
/** nf_ct_gre_keymap_destroy: both of the master's entries go. */
export type NfCtGreKeymapDestroy = (ct: ConnHandle) => void;

interface KeymapEntry {
  readonly tuple: Tuple;
  master: number;
  masterId: number;
  dir: 0 | 1;
}

export class GreKeymap {
  private readonly entries: KeymapEntry[] = [];

  get size(): number {
    return this.entries.length;
  }

  /** nf_ct_gre_keymap_add: 0, or "EEXIST" when the master's slot of `dir` holds another tuple. */
  add(master: number, masterId: number, dir: 0 | 1, t: Tuple): 0 | "EEXIST" {
    const mine = this.entries.find(
      (e) => e.master === master && e.masterId === masterId && e.dir === dir,
    );
    if (mine !== undefined) return sameKeyTuple(mine.tuple, t) ? 0 : "EEXIST";
    const tuple = new Tuple();
    tuple.copyFrom(t);
    this.entries.push({ tuple, master, masterId, dir });
    return 0;
  }

  /** nf_ct_gre_keymap_destroy: forget both entries of a master. */
  destroy(master: number, masterId: number): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i] as KeymapEntry;
      if (e.master === master && e.masterId === masterId) this.entries.splice(i, 1);
    }
  }

  /** nf_ct_gre_keymap_flush: the GRE tracker goes away. */
  flush(): void {
    this.entries.length = 0;
  }

  /** gre_keymap_lookup: the source key for a packet's tuple (0 when unknown). */
  lookup(t: Tuple): number {
    for (const e of this.entries) if (sameKeyTuple(e.tuple, t)) return e.tuple.sport;
    return 0;
  }

  /** Entries as (master slot, direction, tuple), for listings and tests. */
  list(): { master: number; dir: 0 | 1; tuple: Tuple }[] {
    return this.entries.map((e) => ({ master: e.master, dir: e.dir, tuple: e.tuple }));
  }
}

/** gre_key_cmpfn: family, both addresses, protocol and destination key. */
function sameKeyTuple(a: Tuple, b: Tuple): boolean {
  if (a.family !== b.family || a.proto !== b.proto || a.dport !== b.dport) return false;
  for (let i = 0; i < 4; i++) {
    if (a.src[i] !== b.src[i] || a.dst[i] !== b.dst[i]) return false;
  }
  return true;
}
