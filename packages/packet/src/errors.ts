/**
 * Status codes returned by every view's `attach()`.
 *
 * Views report malformed input with a number instead of an exception: the packet path
 * sees hostile and truncated input all the time, and a thrown error would allocate and
 * unwind on every bad packet.
 */
export const ParseError = {
  Ok: 0,
  /** Fewer bytes than the header, or than a length field announces. */
  Truncated: 1,
  /** IP version nibble or GRE version is not the one the view decodes. */
  BadVersion: 2,
  /** Header length field below the protocol minimum (IPv4 IHL < 5, TCP data offset < 5). */
  BadHeaderLength: 3,
  /** IPv4 total length smaller than its own header. */
  BadTotalLength: 4,
  /** UDP length field below 8. */
  BadLength: 5,
  /** IPv6 extension header chain runs past the packet. */
  BadExtensionHeader: 6,
  /** Flag combination this view cannot decode (GRE v0 with RFC 1701 routing). */
  BadFlags: 7,
  /** PPTP message type other than 1 (control message). */
  BadMessageType: 8,
  /** PPTP magic cookie other than 0x1A2B3C4D. */
  BadMagicCookie: 9,
  /** More stacked 802.1Q/802.1ad tags than the Ethernet view accepts. */
  TooManyVlanTags: 10,
  /** A TCP option with an impossible length (stops the option walk, as Linux does). */
  BadOption: 11,
} as const;

export type ParseError = (typeof ParseError)[keyof typeof ParseError];

const descriptions: readonly string[] = [
  "ok",
  "packet truncated",
  "unsupported version",
  "bad header length",
  "bad total length",
  "bad length field",
  "malformed IPv6 extension header chain",
  "unsupported header flags",
  "not a PPTP control message",
  "bad PPTP magic cookie",
  "too many VLAN tags",
  "malformed TCP option",
];

/** Human-readable text for a status code returned by a view (for logs and errors). */
export function describeParseError(code: number): string {
  return descriptions[code] ?? `unknown parse error ${code}`;
}
