/**
 * `iptables -S` output (the iptables-save rule syntax): policies and user
 * chains first, then every rule as "-A CHAIN" plus its options in the
 * canonical order iptables prints them. The same text, without counters,
 * identifies a rule for -D and -C.
 */
import { saveAddress } from "./addr.js";
import { protoName } from "./netdb.js";
import type { IfaceSpec, RuleSpec } from "./parser.js";
import type { Chain } from "./tables.js";

/** save_iface(): the name, or its prefix with "+" for a wildcard. */
function saveIface(letter: "i" | "o", iface: IfaceSpec, invert: boolean): string {
  if (iface.text === "") return "";
  return `${invert ? " !" : ""} -${letter} ${iface.wildcard ? `${iface.prefix}+` : iface.prefix}`;
}

/** Everything after "-A CHAIN", with " -c P B" before the target when counters are given. */
export function saveRuleSpec(spec: RuleSpec, counters: [number, number] | null): string {
  let s = saveAddress(spec.family, "s", spec.src, spec.invSrc);
  s += saveAddress(spec.family, "d", spec.dst, spec.invDst);
  s += saveIface("i", spec.iniface, spec.invIn);
  s += saveIface("o", spec.outiface, spec.invOut);
  if (spec.proto > 0) {
    if (spec.invProto) s += " !";
    s += ` -p ${protoName(spec.proto) ?? spec.proto}`;
  }
  if (spec.fragment) s += `${spec.invFragment ? " !" : ""} -f`;
  for (const m of spec.matches) s += ` -m ${m.name}${m.save()}`;
  if (counters !== null) s += ` -c ${counters[0]} ${counters[1]}`;
  if (spec.target !== null) s += ` -j ${spec.target.saveName}${spec.target.save()}`;
  else if (spec.jumpto !== null) s += ` -j ${spec.jumpto}`;
  return s;
}

/** "-P INPUT ACCEPT" / "-N CHAIN" (nft_chain_save). */
export function saveChain(chain: Chain, counters: boolean): string {
  if (!chain.builtin) return `-N ${chain.name}\n`;
  const c = counters ? ` -c ${chain.pcnt} ${chain.bcnt}` : "";
  return `-P ${chain.name} ${chain.policy === 1 ? "ACCEPT" : "DROP"}${c}\n`;
}
