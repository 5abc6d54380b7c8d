/**
 * Beyond Linux (multi_call=1): the calls of one control connection, each
 * with its own translated PNS call ID.
 *
 * Linux puts the PNS's TCP source port as seen after NAT on the wire as
 * the call ID, so every call of a control connection gets the same ID and
 * the PAC's GRE for two calls cannot be told apart; the GRE keymap also
 * holds one entry per direction per control connection. Here:
 *
 * - each Outgoing-Call-Request gets an ID of its own: the TCP source port
 *   when it is free (so a connection with one call at a time looks exactly
 *   as under Linux), else the next free ID above it. "Free" means unique per
 *   (external address, PAC): no call of any control connection uses it and
 *   no TCP connection from that address:ID to the PAC's control port exists
 *   (its first call would take its port);
 * - messages naming a call by ID are rewritten per call (the peer's call ID
 *   in replies, Set-Link-Info, WAN-Error-Notify; the call ID of
 *   Call-Clear-Request and Call-Disconnect-Notify);
 * - the GRE keymap entries of the call being set up sit on the control
 *   connection as in Linux; when the call's GRE connection appears they
 *   move onto it, freeing the control connection's two entries for the
 *   next call and going away with the GRE connection. A call answered
 *   before the previous one's GRE started replaces that one (its two
 *   pending expectations are evicted anyway: max_expected is 2);
 * - Call-Disconnect-Notify ends the call it names, not the last one.
 *
 * Call set-ups must not overlap (request 2 before reply 1): the conntrack
 * helper's state machine, which is Linux's, checks a reply against the last
 * request only. Incoming calls (PAC-initiated) are handled as Linux does.
 */

/** One call of a control connection. */
export interface PptpCall {
  /** The PNS's own call ID. */
  pns: number;
  /** The call ID put on the wire toward the PAC. */
  natPns: number;
  /** The PAC's call ID, 0 until the call is answered. */
  pac: number;
  answered: boolean;
  /** The GRE keymap entries of this call are the control connection's (its GRE has not started). */
  keymapOnMaster: boolean;
}

export class CallTable {
  readonly calls: PptpCall[] = [];

  /** The call the PNS set up with its ID `pns`, the most recent first. */
  byPns(pns: number, onlyUnanswered = false): PptpCall | undefined {
    for (let i = this.calls.length - 1; i >= 0; i--) {
      const c = this.calls[i] as PptpCall;
      if (c.pns === pns && (!onlyUnanswered || !c.answered)) return c;
    }
    return undefined;
  }

  byNatPns(natPns: number): PptpCall | undefined {
    for (const c of this.calls) if (c.natPns === natPns) return c;
    return undefined;
  }

  byPac(pac: number): PptpCall | undefined {
    for (const c of this.calls) if (c.answered && c.pac === pac) return c;
    return undefined;
  }

  /** The call whose keymap entries the control connection holds. */
  onMaster(): PptpCall | undefined {
    for (const c of this.calls) if (c.keymapOnMaster) return c;
    return undefined;
  }

  remove(call: PptpCall): void {
    const i = this.calls.indexOf(call);
    if (i >= 0) this.calls.splice(i, 1);
  }
}

/** Translated PNS call IDs in use, per (external address, PAC address). */
export class CallIdRegistry {
  private readonly used = new Map<string, Set<number>>();

  private static key(external: number, server: number): string {
    return `${external >>> 0}>${server >>> 0}`;
  }

  has(external: number, server: number, id: number): boolean {
    return this.used.get(CallIdRegistry.key(external, server))?.has(id) ?? false;
  }

  add(external: number, server: number, id: number): void {
    const k = CallIdRegistry.key(external, server);
    let s = this.used.get(k);
    if (s === undefined) {
      s = new Set();
      this.used.set(k, s);
    }
    s.add(id);
  }

  release(external: number, server: number, id: number): void {
    const k = CallIdRegistry.key(external, server);
    const s = this.used.get(k);
    if (s === undefined) return;
    s.delete(id);
    if (s.size === 0) this.used.delete(k);
  }

  /** IDs in use in all, for tests of the cleanup. */
  get size(): number {
    let n = 0;
    for (const s of this.used.values()) n += s.size;
    return n;
  }

  clear(): void {
    this.used.clear();
  }
}
