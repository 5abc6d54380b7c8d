/**
 * The work behind multi_call (see calls.ts for what it does and why):
 * choosing a call's translated ID, following a call through its reply,
 * moving its keymap entries onto its GRE connection, and ending it.
 */
import { ConnHandle, type Conntrack, Tuple } from "@ctkit/kernel";
import { destroySiblingOrExp, IPPROTO_GRE, type PptpCallOps } from "@ctkit/plugin-pptp";
import type { CallIdRegistry, CallTable, PptpCall } from "./calls.js";

const IPPROTO_TCP = 6;
/** Call IDs are 16 bits; 0 is never handed out. */
const CALL_IDS = 65535;

export interface MultiCallDeps {
  conntrack: Conntrack;
  ops: PptpCallOps;
  registry: CallIdRegistry;
}

export class MultiCall {
  private readonly reply = new Tuple();
  private readonly t = new Tuple();
  private readonly child: ConnHandle;

  constructor(private readonly deps: MultiCallDeps) {
    this.child = new ConnHandle(deps.conntrack);
  }

  /**
   * An Outgoing-Call-Request for the PNS's call `pns` on control
   * connection `ct`: the ID to put on the wire, 0 when every ID is taken.
   */
  request(ct: ConnHandle, table: CallTable, pns: number, now: number): number {
    ct.tuple(1, this.reply);
    const external = this.reply.dst[0] as number;
    const server = this.reply.src[0] as number;
    const again = table.byPns(pns, true);
    if (again !== undefined) return again.natPns; // a retransmitted request
    // Linux's state machine accepts a reply to the last request only, so
    // earlier unanswered requests can never come up: forget them.
    for (let i = table.calls.length - 1; i >= 0; i--) {
      const c = table.calls[i] as PptpCall;
      if (c.answered) continue;
      this.deps.registry.release(external, server, c.natPns);
      table.calls.splice(i, 1);
    }
    const port = this.reply.dport;
    for (let i = 0; i < CALL_IDS; i++) {
      const id = ((port - 1 + i + CALL_IDS) % CALL_IDS) + 1;
      if (this.deps.registry.has(external, server, id)) continue;
      if (id !== port && this.controlPortTaken(external, server, this.reply.sport, id, now))
        continue;
      this.deps.registry.add(external, server, id);
      table.calls.push({ pns, natPns: id, pac: 0, answered: false, keymapOnMaster: false });
      return id;
    }
    return 0;
  }

  /** Another control connection from external:id to the PAC would use id for its first call. */
  private controlPortTaken(
    external: number,
    server: number,
    serverPort: number,
    id: number,
    now: number,
  ): boolean {
    const t = this.t;
    t.family = 4;
    t.proto = IPPROTO_TCP;
    t.src.fill(0);
    t.dst.fill(0);
    t.src[0] = server;
    t.dst[0] = external;
    t.sport = serverPort;
    t.dport = id;
    return this.deps.conntrack.findConn(t, now) >= 0;
  }

  /**
   * The call the PAC accepted (its GRE is being expected): its keymap
   * entries go onto the control connection, taking the place of a call
   * whose GRE never started.
   */
  answered(ct: ConnHandle, table: CallTable, natPns: number, pac: number): void {
    const call = table.byNatPns(natPns);
    if (call === undefined) return;
    const previous = table.onMaster();
    if (previous !== undefined && previous !== call) {
      this.deps.ops.keymapDestroy(ct);
      previous.keymapOnMaster = false;
    }
    call.pac = pac;
    call.answered = true;
    call.keymapOnMaster = true;
  }

  /** The call's GRE connection `slot` exists: it takes the call's keymap entries over. */
  moveKeymap(master: ConnHandle, call: PptpCall, slot: number): void {
    if (!call.keymapOnMaster) return;
    const { ops } = this.deps;
    ops.keymapDestroy(master);
    call.keymapOnMaster = false;
    const child = this.child;
    child.slot = slot;
    const t = this.t;
    master.tuple(0, t);
    t.proto = IPPROTO_GRE;
    t.sport = call.pns;
    t.dport = call.pac;
    ops.keymapAdd(child, 0, t);
    master.tuple(1, t);
    t.proto = IPPROTO_GRE;
    t.sport = call.pac;
    t.dport = call.natPns;
    ops.keymapAdd(child, 1, t);
  }

  /** A call refused by the PAC, or replaced: it never had GRE. */
  forget(ct: ConnHandle, table: CallTable, call: PptpCall): void {
    ct.tuple(1, this.reply);
    this.deps.registry.release(
      this.reply.dst[0] as number,
      this.reply.src[0] as number,
      call.natPns,
    );
    table.remove(call);
  }

  /**
   * The call ends (Call-Disconnect-Notify, or its control connection
   * goes): its GRE connection, or the expectations still waiting for it,
   * and its keymap entries.
   */
  end(ct: ConnHandle, table: CallTable, call: PptpCall, now: number): void {
    if (call.keymapOnMaster) this.deps.ops.keymapDestroy(ct);
    if (call.answered) {
      const t = this.t;
      const conntrack = this.deps.conntrack;
      // PNS → PAC with the PNS's own ID (the GRE connection's tuple on the
      // PNS side), then PAC → public address with the translated one.
      ct.tuple(0, t);
      t.proto = IPPROTO_GRE;
      t.sport = call.pns;
      t.dport = call.pac;
      destroySiblingOrExp(conntrack, t, now);
      ct.tuple(1, t);
      t.proto = IPPROTO_GRE;
      t.sport = call.pac;
      t.dport = call.natPns;
      destroySiblingOrExp(conntrack, t, now);
    }
    this.forget(ct, table, call);
  }

  /** The control connection goes: every call it still has ends. */
  endAll(ct: ConnHandle, table: CallTable, now: number): void {
    while (table.calls.length > 0) this.end(ct, table, table.calls[0] as PptpCall, now);
  }
}
