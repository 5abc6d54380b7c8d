/**
 * The per-packet form of a match: one class, numeric fields, a kind to
 * switch on. Every rule's matches compile to these when the rule is added,
 * so the hot path never looks at option text and stays monomorphic.
 */
export const MatchKind = {
  /** tcp/udp ports: a..b source range, c..d destination range. */
  PORTS: 1,
  /** icmp/icmp6: a = type (0xff "any" for icmp), b..c code range. */
  ICMP: 2,
  ICMP6: 3,
  /** conntrack --ctstate / state --state: a = CtStateBit mask. */
  CTSTATE: 4,
  /** helper: str = helper name. */
  HELPER: 5,
} as const;
export type MatchKind = (typeof MatchKind)[keyof typeof MatchKind];

export class CompiledMatch {
  constructor(
    readonly kind: MatchKind,
    /** Bit 0: invert the first test (source port, type, state, helper); bit 1: the second. */
    readonly inv: number,
    readonly a: number,
    readonly b: number,
    readonly c: number,
    readonly d: number,
    readonly str: string,
  ) {}
}
