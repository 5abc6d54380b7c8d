/**
 * Beyond Linux: what nf_nat_pptp needs from the conntrack side to follow
 * several calls on one control connection (its multi_call parameter).
 * nf_conntrack_pptp exports it under NF_CT_PPTP_CALL_OPS, so nf_nat_pptp
 * reaches the GRE keymap through the module that depends on the GRE
 * tracker, as in Linux only nf_conntrack_pptp does — lsmod's references
 * stay the kernel's.
 */
import type { ConnHandle, NfCtGreKeymapAdd, NfCtGreKeymapDestroy } from "@ctkit/kernel";

export const NF_CT_PPTP_CALL_OPS = "nf_ct_pptp_call_ops";

export interface PptpCallOps {
  /** nf_ct_gre_keymap_add: `ct` owns the entry (a control connection, or a call's GRE connection). */
  keymapAdd: NfCtGreKeymapAdd;
  /** nf_ct_gre_keymap_destroy: both entries `ct` owns go. */
  keymapDestroy: NfCtGreKeymapDestroy;
  /** pptp_destroy_siblings for the control connection's current call (Linux's teardown). */
  destroySiblings(ct: ConnHandle, now: number): void;
}
