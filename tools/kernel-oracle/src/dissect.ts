/**
 * Splits an IP packet into named fields (offset and length into the packet),
 * so that a difference is reported as "IPv4 ttl" rather than "byte 8". Fields
 * NAT may choose freely carry a rename kind; checksums are marked as such.
 */
export type FieldRole = "value" | "checksum" | "rename";

export interface Field {
  name: string;
  off: number;
  len: number;
  role: FieldRole;
  /** For role "rename": the identifier space renamed one-to-one (e.g. "udp port"). */
  kind?: string;
  format: "dec" | "hex" | "ip4" | "ip6" | "bytes";
  /** For a bit field inside a 32-bit word: the bits that belong to it. */
  mask?: number;
}

export interface DissectContext {
  /** The packet left through a NAT (masquerade/SNAT) interface: its source port/id is NAT's choice. */
  natSide: boolean;
  /** Router addresses: their IPv4 ID is the kernel's random choice. */
  routerAddresses: Set<string>;
}

export function formatIp4(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

export function formatIp6(b: Uint8Array, off: number): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((b[off + i] << 8) | b[off + i + 1]).toString(16));
  return words.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

export const ICMP_ERRORS_4 = new Set([3, 4, 5, 11, 12]);
export const ICMP_ERRORS_6 = new Set([1, 2, 3, 4]);
const ECHO_4 = new Set([0, 8]);
const ECHO_6 = new Set([128, 129]);

/** Rename kinds whose values are chosen by NAT (source port / echo id on a NAT interface). */
export const NAT_KINDS = {
  tcp: "tcp port",
  udp: "udp port",
  icmp: "ICMP id",
  icmpv6: "ICMPv6 id",
} as const;
export const NAT_KIND_SET: ReadonlySet<string> = new Set(Object.values(NAT_KINDS));

class Builder {
  readonly fields: Field[] = [];
  constructor(
    readonly b: Uint8Array,
    readonly ctx: DissectContext,
  ) {}
  add(
    name: string,
    off: number,
    len: number,
    format: Field["format"] = "dec",
    role: FieldRole = "value",
    kind?: string,
    mask?: number,
  ) {
    if (off >= this.b.length) return;
    this.fields.push({
      name,
      off,
      len: Math.min(len, this.b.length - off),
      role,
      kind,
      format,
      mask,
    });
  }
}

/** PPTP control messages (RFC 2637) by type: which call ids lead the body. */
const PPTP_CALL_ID_FIRST = new Set([7, 8, 9, 10, 12, 13]); // the sender's own call id
const PPTP_PEER_CALL_ID_FIRST = new Set([11, 14, 15]); // the peer's call id
const PPTP_PEER_CALL_ID_SECOND = new Set([8, 10]); // own, then the peer's
/** PNS -> PAC messages whose own call id nf_nat_pptp replaces on the way out. */
const PPTP_NAT_CALL_ID = new Set([7, 10, 12]);
const PPTP_PORT = 1723;
const PPTP_MAGIC = 0x1a2b3c4d;

const get16 = (b: Uint8Array, off: number) => (b[off] << 8) | b[off + 1];

/**
 * A TCP payload to/from port 1723 that starts with a PPTP control header:
 * header fields and the call ids. Linux takes the id it puts into a PNS's
 * outgoing call from the NATed TCP source port, so on the NAT side that id is
 * renamed as a "tcp port".
 */
function pptp(x: Builder, off: number, end: number, toPac: boolean): boolean {
  const { b, ctx } = x;
  if (end - off < 16 || ((get16(b, off + 4) << 16) | get16(b, off + 6)) >>> 0 !== PPTP_MAGIC)
    return false;
  x.add("PPTP length", off, 2);
  x.add("PPTP message type", off + 2, 2);
  x.add("PPTP magic cookie", off + 4, 4, "hex");
  x.add("PPTP control message type", off + 8, 2);
  x.add("PPTP reserved", off + 10, 2, "hex");
  const type = get16(b, off + 8);
  let at = off + 12;
  if (PPTP_CALL_ID_FIRST.has(type)) {
    const natChosen = ctx.natSide && toPac && PPTP_NAT_CALL_ID.has(type);
    x.add("PPTP call id", at, 2, "dec", natChosen ? "rename" : "value", NAT_KINDS.tcp);
    at += 2;
    if (PPTP_PEER_CALL_ID_SECOND.has(type)) {
      x.add("PPTP peer call id", at, 2);
      at += 2;
    }
  } else if (PPTP_PEER_CALL_ID_FIRST.has(type)) {
    x.add("PPTP peer call id", at, 2);
    at += 2;
  }
  x.add("PPTP message body", at, end - at, "bytes");
  return true;
}

/**
 * GRE: version 1 (enhanced GRE, PPTP) field by field; the key's call id is
 * what conntrack tracks and nf_nat_pptp rewrites. Other versions stay bytes.
 */
function gre(x: Builder, p: string, off: number, end: number): boolean {
  const { b } = x;
  if (end - off < 8 || (b[off + 1] & 7) !== 1) return false;
  x.add(`${p}GRE flags/version`, off, 2, "hex");
  x.add(`${p}GRE protocol`, off + 2, 2, "hex");
  x.add(`${p}GRE payload length`, off + 4, 2);
  x.add(`${p}GRE call id`, off + 6, 2);
  let at = off + 8;
  if (b[off] & 0x10) {
    x.add(`${p}GRE sequence`, at, 4);
    at += 4;
  }
  if (b[off + 1] & 0x80) {
    x.add(`${p}GRE ack`, at, 4);
    at += 4;
  }
  x.add(`${p}GRE payload`, at, end - at, "bytes");
  return true;
}

function l4(x: Builder, p: string, proto: number, v6: boolean, off: number, end: number) {
  const { b, ctx } = x;
  const inner = p !== "";
  // On the NAT side the router picks the source port/id of what it sends, and so
  // the destination of a quoted packet (one sent to the router's mapping).
  const renamed = ctx.natSide;
  if (proto === 6 || proto === 17) {
    const t = proto === 6 ? "TCP" : "UDP";
    const portKind = proto === 6 ? NAT_KINDS.tcp : NAT_KINDS.udp;
    x.add(`${p}${t} sport`, off, 2, "dec", renamed && !inner ? "rename" : "value", portKind);
    x.add(`${p}${t} dport`, off + 2, 2, "dec", renamed && inner ? "rename" : "value", portKind);
    if (proto === 17) {
      x.add(`${p}UDP length`, off + 4, 2);
      x.add(`${p}UDP checksum`, off + 6, 2, "hex", "checksum");
      x.add(`${p}UDP payload`, off + 8, end - off - 8, "bytes");
      return;
    }
    x.add(`${p}TCP seq`, off + 4, 4);
    x.add(`${p}TCP ack`, off + 8, 4);
    x.add(`${p}TCP data offset/flags`, off + 12, 2, "hex");
    x.add(`${p}TCP window`, off + 14, 2);
    x.add(`${p}TCP checksum`, off + 16, 2, "hex", "checksum");
    x.add(`${p}TCP urgent`, off + 18, 2);
    const doff = off + 12 < b.length ? (b[off + 12] >> 4) * 4 : 20;
    if (doff > 20) x.add(`${p}TCP options`, off + 20, doff - 20, "bytes");
    const toPac = off + 4 <= end && get16(b, off + 2) === PPTP_PORT;
    const pptpPort = toPac || (off + 2 <= end && get16(b, off) === PPTP_PORT);
    if (!inner && pptpPort && pptp(x, off + doff, end, toPac)) return;
    x.add(`${p}TCP payload`, off + doff, end - off - doff, "bytes");
    return;
  }
  if (proto === 47 && gre(x, p, off, end)) return;
  if (proto === 1 || proto === 58) {
    const t = proto === 1 ? "ICMP" : "ICMPv6";
    x.add(`${p}${t} type`, off, 1);
    x.add(`${p}${t} code`, off + 1, 1);
    x.add(`${p}${t} checksum`, off + 2, 2, "hex", "checksum");
    const type = b[off];
    const echo = (v6 ? ECHO_6 : ECHO_4).has(type);
    const error = (v6 ? ICMP_ERRORS_6 : ICMP_ERRORS_4).has(type);
    if (echo) {
      x.add(
        `${p}${t} id`,
        off + 4,
        2,
        "dec",
        ctx.natSide && !inner ? "rename" : "value",
        v6 ? NAT_KINDS.icmpv6 : NAT_KINDS.icmp,
      );
      x.add(`${p}${t} seq`, off + 6, 2);
      x.add(`${p}${t} data`, off + 8, end - off - 8, "bytes");
    } else {
      x.add(`${p}${t} rest of header`, off + 4, 4, "hex");
      if (error && !inner && off + 8 < end) ip(x, off + 8, end, "inner ");
      else x.add(`${p}${t} data`, off + 8, end - off - 8, "bytes");
    }
    return;
  }
  x.add(`${p}payload (protocol ${proto})`, off, end - off, "bytes");
}

function ip(x: Builder, off: number, end: number, p: string) {
  const { b, ctx } = x;
  const inner = p !== "";
  const v = b[off] >> 4;
  if (v === 4) {
    const ihl = (b[off] & 15) * 4;
    const src = formatIp4(b, off + 12);
    const local = ctx.routerAddresses.has(inner ? formatIp4(b, off + 16) : src);
    x.add(`${p}IPv4 version/ihl`, off, 1, "hex");
    x.add(`${p}IPv4 tos`, off + 1, 1, "hex");
    x.add(`${p}IPv4 total length`, off + 2, 2);
    x.add(`${p}IPv4 id`, off + 4, 2, "dec", local && !inner ? "rename" : "value", "local IPv4 id");
    x.add(`${p}IPv4 flags/fragment offset`, off + 6, 2, "hex");
    x.add(`${p}IPv4 ttl`, off + 8, 1);
    x.add(`${p}IPv4 protocol`, off + 9, 1);
    x.add(`${p}IPv4 header checksum`, off + 10, 2, "hex", "checksum");
    x.add(`${p}IPv4 source`, off + 12, 4, "ip4");
    x.add(`${p}IPv4 destination`, off + 16, 4, "ip4");
    if (ihl > 20) x.add(`${p}IPv4 options`, off + 20, ihl - 20, "bytes");
    const tot = (b[off + 2] << 8) | b[off + 3];
    const stop = Math.min(end, off + Math.max(tot, ihl));
    const frag = ((b[off + 6] << 8) | b[off + 7]) & 0x1fff;
    if (frag === 0) l4(x, p, b[off + 9], false, off + ihl, stop);
    else x.add(`${p}IPv4 fragment data`, off + ihl, stop - off - ihl, "bytes");
    if (!inner && end > stop) x.add("trailing bytes", stop, end - stop, "bytes");
    return;
  }
  if (v === 6) {
    // Linux draws the flow label of packets it originates (ip6_make_flowlabel).
    const local = !inner && ctx.routerAddresses.has(formatIp6(b, off + 8));
    x.add(`${p}IPv6 version/traffic class`, off, 4, "hex", "value", undefined, 0xfff00000);
    x.add(
      `${p}IPv6 flow label`,
      off,
      4,
      "hex",
      local ? "rename" : "value",
      "local IPv6 flow label",
      0xfffff,
    );
    x.add(`${p}IPv6 payload length`, off + 4, 2);
    x.add(`${p}IPv6 next header`, off + 6, 1);
    x.add(`${p}IPv6 hop limit`, off + 7, 1);
    x.add(`${p}IPv6 source`, off + 8, 16, "ip6");
    x.add(`${p}IPv6 destination`, off + 24, 16, "ip6");
    const plen = (b[off + 4] << 8) | b[off + 5];
    const stop = Math.min(end, off + 40 + plen);
    l4(x, p, b[off + 6], true, off + 40, stop);
    if (!inner && end > stop) x.add("trailing bytes", stop, end - stop, "bytes");
    return;
  }
  x.add(`${p}IP version ${v} packet`, off, end - off, "bytes");
}

export function dissect(packet: Uint8Array, ctx: DissectContext): Field[] {
  const x = new Builder(packet, ctx);
  if (packet.length === 0) return [];
  ip(x, 0, packet.length, "");
  return x.fields;
}

export function fieldValue(b: Uint8Array, f: Field): string {
  if (f.off + f.len > b.length) return "(missing)";
  switch (f.format) {
    case "ip4":
      return formatIp4(b, f.off);
    case "ip6":
      return formatIp6(b, f.off);
    case "bytes": {
      const hex = Buffer.from(b.subarray(f.off, f.off + f.len)).toString("hex");
      return `${f.len} bytes ${hex.length > 48 ? `${hex.slice(0, 48)}…` : hex}`;
    }
    default: {
      let n = 0;
      for (let i = 0; i < f.len; i++) n = n * 256 + b[f.off + i];
      if (f.mask !== undefined) {
        const shift = 31 - Math.clz32(f.mask & -f.mask);
        n = ((n & f.mask) >>> 0) / 2 ** shift;
        return `0x${n.toString(16)}`;
      }
      return f.format === "hex" ? `0x${n.toString(16).padStart(f.len * 2, "0")}` : String(n);
    }
  }
}
