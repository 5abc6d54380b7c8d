import { EtherType } from "../protocols.js";

/**
 * Link-layer header types (the LINKTYPE_* registry used in pcap and pcapng
 * files, not the platform-dependent DLT_* values) and the one thing ctkit
 * needs from a link-layer header: where the network layer starts and which
 * protocol it carries.
 */
export const LinkType = {
  /** Ethernet II / 802.3, optionally with 802.1Q / 802.1ad tags. */
  ETHERNET: 1,
  /** Raw IP, version taken from the first nibble of the packet. */
  RAW: 101,
  /** Linux "cooked" capture v1 (tcpdump -i any on older libpcap). */
  LINUX_SLL: 113,
  /** Raw IPv4 only. */
  IPV4: 228,
  /** Raw IPv6 only. */
  IPV6: 229,
  /** Linux "cooked" capture v2 (tcpdump -i any on libpcap >= 1.10). */
  LINUX_SLL2: 276,
} as const;

export type KnownLinkType = (typeof LinkType)[keyof typeof LinkType];

const LINK_TYPE_NAMES: Record<number, string> = {
  [LinkType.ETHERNET]: "EN10MB",
  [LinkType.RAW]: "RAW",
  [LinkType.LINUX_SLL]: "LINUX_SLL",
  [LinkType.IPV4]: "IPV4",
  [LinkType.IPV6]: "IPV6",
  [LinkType.LINUX_SLL2]: "LINUX_SLL2",
};

/** The name tcpdump uses for a link type (`-y NAME`), or `LINKTYPE_<n>` if unknown here. */
export function linkTypeName(linkType: number): string {
  return LINK_TYPE_NAMES[linkType] ?? `LINKTYPE_${linkType}`;
}

/** Whether {@link locateNetworkLayer} understands this link type. */
export function isSupportedLinkType(linkType: number): boolean {
  return LINK_TYPE_NAMES[linkType] !== undefined;
}

/** Output of {@link locateNetworkLayer}; reuse one instance in a hot loop. */
export class NetworkLayerLocation {
  /** Index (in the buffer that was passed in) of the first network-layer byte. */
  offset = 0;
  /**
   * EtherType of the payload after all VLAN tags. Values below 0x0600 are not
   * EtherTypes: an 802.3 length field, or an SLL pseudo-protocol such as 4
   * (802.2 LLC); they never equal IPv4 or IPv6.
   */
  etherType = 0;
  /** Number of 802.1Q / 802.1ad tags that were skipped. */
  vlanTags = 0;
}

const ETHERNET_HEADER = 14;
const SLL_HEADER = 16;
const SLL2_HEADER = 20;
const VLAN_TAG = 4;

function isVlanTag(etherType: number): boolean {
  return (
    etherType === EtherType.Vlan ||
    etherType === EtherType.QinQ ||
    etherType === EtherType.QinQLegacy
  );
}

/**
 * Finds the network-layer header of the frame `bytes[start, end)` captured
 * with `linkType`, writing its index and EtherType into `out`.
 *
 * Returns false (leaving `out` unspecified) when the link type is unknown or
 * the captured bytes end inside the link-layer header or a VLAN tag. The frame
 * is not copied and nothing is allocated, so this can run once per packet.
 *
 * VLAN tags are skipped the same way for every link type: a tag is 2 bytes
 * of TCI followed by the next EtherType, right after the field that said
 * 0x8100 / 0x88a8 / 0x9100. That is how tags sit in Ethernet frames, and how
 * libpcap re-inserts the tag the kernel stripped into an SLL header's
 * protocol field. libpcap 1.10 re-inserts no tag into SLL2, so there the
 * protocol field is already the payload's (see the vlan-sll2 fixture).
 */
export function locateNetworkLayer(
  linkType: number,
  bytes: Uint8Array,
  start: number,
  end: number,
  out: NetworkLayerLocation,
): boolean {
  let typeField: number; // index of the 16-bit EtherType / protocol field
  let payload: number; // index of the first byte after the link-layer header
  switch (linkType) {
    case LinkType.ETHERNET:
      typeField = start + 12;
      payload = start + ETHERNET_HEADER;
      break;
    case LinkType.LINUX_SLL:
      typeField = start + 14;
      payload = start + SLL_HEADER;
      break;
    case LinkType.LINUX_SLL2:
      typeField = start;
      payload = start + SLL2_HEADER;
      break;
    case LinkType.RAW: {
      if (end - start < 1) return false;
      const version = bytes[start] >> 4;
      if (version === 4) out.etherType = EtherType.Ipv4;
      else if (version === 6) out.etherType = EtherType.Ipv6;
      else return false;
      out.offset = start;
      out.vlanTags = 0;
      return true;
    }
    case LinkType.IPV4:
    case LinkType.IPV6:
      out.offset = start;
      out.etherType = linkType === LinkType.IPV4 ? EtherType.Ipv4 : EtherType.Ipv6;
      out.vlanTags = 0;
      return true;
    default:
      return false;
  }
  if (payload > end) return false;
  let etherType = (bytes[typeField] << 8) | bytes[typeField + 1];
  let tags = 0;
  while (isVlanTag(etherType)) {
    if (payload + VLAN_TAG > end) return false;
    etherType = (bytes[payload + 2] << 8) | bytes[payload + 3];
    payload += VLAN_TAG;
    tags++;
  }
  out.offset = payload;
  out.etherType = etherType;
  out.vlanTags = tags;
  return true;
}

/** Allocating convenience form of {@link locateNetworkLayer} for tests and tools. */
export function networkLayerOf(
  linkType: number,
  frame: Uint8Array,
): { offset: number; etherType: number; vlanTags: number } | null {
  const out = new NetworkLayerLocation();
  if (!locateNetworkLayer(linkType, frame, 0, frame.length, out)) return null;
  return { offset: out.offset, etherType: out.etherType, vlanTags: out.vlanTags };
}
