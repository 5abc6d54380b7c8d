/** The iptables/ip6tables rule engine (xtables). */
export { ExitCode, XTABLES_VARIANT, XTABLES_VERSION, XtablesError } from "./errors.js";
export type { IfnameResolver, RejectFn } from "./eval.js";
export type { CtTemplate } from "./rule.js";
export { type NatKind, NatRangeFlag, type NatTarget } from "./targets/nat.js";
export type { RejectKind } from "./targets/reject.js";
export { Xtables, type XtablesOptions, type XtablesResult } from "./xtables.js";
