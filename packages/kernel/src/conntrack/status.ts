/**
 * Connection status bits (enum ip_conntrack_status) — the same bit numbers
 * as Linux, so they can be shown and compared with the kernel's.
 */
export const Ips = {
  EXPECTED: 1 << 0,
  SEEN_REPLY: 1 << 1,
  ASSURED: 1 << 2,
  CONFIRMED: 1 << 3,
  SRC_NAT: 1 << 4,
  DST_NAT: 1 << 5,
  SEQ_ADJUST: 1 << 6,
  SRC_NAT_DONE: 1 << 7,
  DST_NAT_DONE: 1 << 8,
  DYING: 1 << 9,
  FIXED_TIMEOUT: 1 << 10,
  TEMPLATE: 1 << 11,
  UNTRACKED: 1 << 12,
  HELPER: 1 << 13,
  OFFLOAD: 1 << 14,
} as const;

/** Directions of a connection: the initiator's (ORIGINAL) and the answer's (REPLY). */
export const Dir = { ORIGINAL: 0, REPLY: 1 } as const;
export type Dir = 0 | 1;
