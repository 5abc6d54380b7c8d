/**
 * A minimal classic-pcap reader, independent of @ctkit/packet on purpose: the
 * oracle must not share a parser with the code it checks. Yields the IP layer
 * of each record (Ethernet, raw IP, Linux cooked v1/v2; 802.1Q tags skipped).
 */
export interface IpRecord {
  /** Seconds since the epoch, fractional. */
  time: number;
  /** A view into the bytes given to readPcap: changing it changes them. */
  ip: Uint8Array;
}

const ETH = 1;
const RAW = 101;
const RAW_IPV4 = 228;
const RAW_IPV6 = 229;
const SLL = 113;
const SLL2 = 276;

function ipOffset(linkType: number, frame: Uint8Array, view: DataView): number {
  switch (linkType) {
    case RAW:
    case RAW_IPV4:
    case RAW_IPV6:
      return 0;
    case SLL:
      return 16;
    case SLL2:
      return 20;
    case ETH: {
      let off = 12;
      while (
        off + 2 <= frame.length &&
        (view.getUint16(off) === 0x8100 || view.getUint16(off) === 0x88a8)
      )
        off += 4;
      return off + 2;
    }
    default:
      throw new Error(`unsupported pcap link type ${linkType}`);
  }
}

export function readPcap(bytes: Uint8Array, name = "capture"): IpRecord[] {
  if (bytes.length === 0) return [];
  if (bytes.length < 24) throw new Error(`${name}: too short for a pcap header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint32(0, true);
  let le: boolean;
  let nano: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) {
    le = true;
    nano = magic === 0xa1b23c4d;
  } else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) {
    le = false;
    nano = magic === 0x4d3cb2a1;
  } else throw new Error(`${name}: not a classic pcap file (magic ${magic.toString(16)})`);
  const linkType = dv.getUint32(20, le) & 0x0fffffff;
  const out: IpRecord[] = [];
  let off = 24;
  while (off + 16 <= bytes.length) {
    const sec = dv.getUint32(off, le);
    const frac = dv.getUint32(off + 4, le);
    const incl = dv.getUint32(off + 8, le);
    const start = off + 16;
    if (start + incl > bytes.length) throw new Error(`${name}: truncated record at byte ${off}`);
    const frame = bytes.subarray(start, start + incl);
    const fv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    out.push({
      time: sec + frac / (nano ? 1e9 : 1e6),
      ip: frame.subarray(ipOffset(linkType, frame, fv)),
    });
    off = start + incl;
  }
  return out;
}

/**
 * A copy of a pcap file with each record's IP packet changed in place by
 * edit (same sizes, link headers and timestamps); edit returns whether it
 * changed the packet. Also returns how many packets changed.
 */
export function editPcap(
  bytes: Uint8Array,
  edit: (ip: Uint8Array) => boolean,
  name = "capture",
): { bytes: Uint8Array; changed: number } {
  const copy = new Uint8Array(bytes);
  let changed = 0;
  for (const r of readPcap(copy, name)) if (edit(r.ip)) changed++;
  return { bytes: copy, changed };
}
