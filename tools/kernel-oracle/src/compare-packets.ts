/**
 * Packet-by-packet comparison of what the kernel and ctkit sent on one
 * interface: exact bytes, except rename fields (bijective renaming) and,
 * in a packet where something was renamed, checksums (then only validity).
 */
import { badChecksum } from "./checksum.js";
import { type DissectContext, dissect, type Field, fieldValue } from "./dissect.js";
import type { Renamer } from "./rename.js";

export interface Difference {
  /** e.g. "wan-out #3: IPv4 ttl: kernel 63, ctkit 64" */
  message: string;
}

function bytesEqual(a: Uint8Array, b: Uint8Array, f: Field): boolean {
  if (f.off + f.len > b.length) return false;
  if (f.mask !== undefined) return fieldValue(a, f) === fieldValue(b, f);
  for (let i = f.off; i < f.off + f.len; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The first difference between two packets, or null. */
export function comparePacket(
  label: string,
  kernel: Uint8Array,
  ctkit: Uint8Array,
  ctx: DissectContext,
  renamer: Renamer,
): Difference | null {
  for (const [who, p] of [
    ["kernel", kernel],
    ["ctkit", ctkit],
  ] as const) {
    const bad = badChecksum(p);
    if (bad) return { message: `${label}: ${bad} wrong in ${who}'s packet` };
  }
  const kf = dissect(kernel, ctx);
  const cf = dissect(ctkit, ctx);
  let renamed = false;
  const checksums: Field[] = [];
  for (let i = 0; i < kf.length; i++) {
    const f = kf[i];
    const g = cf[i];
    if (!g || g.name !== f.name || g.off !== f.off) {
      return {
        message: `${label}: packet structure: kernel has ${f.name} (${fieldValue(kernel, f)}), ctkit ${g ? g.name : "nothing"} there`,
      };
    }
    if (f.role === "checksum") {
      checksums.push(f);
      continue;
    }
    if (f.role === "rename" && f.kind) {
      const kv = fieldValue(kernel, f);
      const cv = fieldValue(ctkit, g);
      const err = renamer.bind(f.kind, kv, cv);
      if (err) return { message: `${label}: ${f.name}: kernel ${kv}, ctkit ${cv} (${err})` };
      if (kv !== cv) renamed = true;
      continue;
    }
    if (!bytesEqual(kernel, ctkit, f) || f.len !== g.len)
      return {
        message: `${label}: ${f.name}: kernel ${fieldValue(kernel, f)}, ctkit ${fieldValue(ctkit, g)}`,
      };
  }
  if (cf.length > kf.length) {
    const g = cf[kf.length];
    return { message: `${label}: ctkit has an extra ${g.name} (${fieldValue(ctkit, g)})` };
  }
  if (kernel.length !== ctkit.length)
    return { message: `${label}: length: kernel ${kernel.length}, ctkit ${ctkit.length}` };
  if (!renamed) {
    for (const f of checksums) {
      if (!bytesEqual(kernel, ctkit, f))
        return {
          message: `${label}: ${f.name}: kernel ${fieldValue(kernel, f)}, ctkit ${fieldValue(ctkit, f)}`,
        };
    }
  }
  return null;
}

function brief(p: Uint8Array | undefined, ctx: DissectContext): string {
  if (!p) return "nothing";
  const f = dissect(p, ctx);
  const pick = (n: string) => f.find((x) => x.name === n);
  const src = pick("IPv4 source") ?? pick("IPv6 source");
  const dst = pick("IPv4 destination") ?? pick("IPv6 destination");
  const proto = f.find((x) => / (sport|type)$/.test(x.name));
  return `${src ? fieldValue(p, src) : "?"} > ${dst ? fieldValue(p, dst) : "?"}${proto ? ` ${proto.name} ${fieldValue(p, proto)}` : ""} (${p.length} bytes)`;
}

/** Every packet of one interface's output; stops at the first difference. */
export function compareInterface(
  name: string,
  kernel: Uint8Array[],
  ctkit: Uint8Array[],
  ctx: DissectContext,
  renamer: Renamer,
): Difference | null {
  const n = Math.min(kernel.length, ctkit.length);
  for (let i = 0; i < n; i++) {
    const d = comparePacket(`${name} #${i + 1}`, kernel[i], ctkit[i], ctx, renamer);
    if (d) return d;
  }
  if (kernel.length !== ctkit.length) {
    const i = n;
    return {
      message: `${name}: kernel sent ${kernel.length} packets, ctkit ${ctkit.length}; #${i + 1}: kernel ${brief(kernel[i], ctx)}, ctkit ${brief(ctkit[i], ctx)}`,
    };
  }
  return null;
}
