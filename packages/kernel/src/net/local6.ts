/**
 * IPv6 local delivery (ip6_input): INPUT hooks, then the router's own
 * stack: echo requests are answered, UDP gets a port unreachable, TCP a
 * RST, an unknown next header a parameter problem pointing at it; "no next
 * header" and the rest are consumed. Checksums first, as Linux; a UDP
 * checksum of zero is an error in IPv6 (RFC 8200 8.1).
 */
import { isIpv6ExtensionHeader, readU16 } from "@ctkit/packet";
import { l4ChecksumOk } from "./build.js";
import { Hook, NfVerdict } from "./hooks.js";
import { ICMPV6_DEST_UNREACH, ICMPV6_PARAMPROB, icmpSend6 } from "./icmp-error.js";
import { echoReply6 } from "./icmp-reply.js";
import type { Skb } from "./skb.js";
import type { NetStack } from "./stack.js";
import { Drop } from "./stats.js";
import { localReset6 } from "./tcp-reset.js";

export function deliver6(s: NetStack, skb: Skb): void {
  // ip6_input reassembles fragments; ctkit does not.
  if (skb.dec.ipv6.isFragment) {
    s.drop(Drop.LOCAL_FRAGMENT, skb);
    return;
  }
  skb.oif = -1;
  const v = s.hooks.run(6, Hook.INPUT, skb);
  if (v !== NfVerdict.ACCEPT) {
    s.hookVerdict(v, skb);
    return;
  }
  s.stats.delivered++;
  const buf = skb.data;
  const off = skb.l3Offset;
  const ip = skb.dec.ipv6;
  const l4 = ip.upperOffset;
  const len = off + 40 + readU16(buf, off + 4) - l4;
  switch (ip.upperProtocol) {
    case 58:
      icmpRcv6(s, skb, l4, len);
      break;
    case 6:
      tcpRcv6(s, skb, l4, len);
      break;
    case 17:
      udpRcv6(s, skb, l4, len);
      break;
    case 59:
    case 136:
      break;
    default:
      icmpSend6(s, skb, ICMPV6_PARAMPROB, 1, nextHeaderOffset(buf, off));
  }
}

function icmpRcv6(s: NetStack, skb: Skb, l4: number, len: number): void {
  if (len < 8) {
    s.drop(Drop.L4_MALFORMED, skb);
    return;
  }
  if (!l4ChecksumOk(skb.data, skb.l3Offset, 6, 58, l4, len)) {
    s.drop(Drop.L4_CSUM, skb);
    return;
  }
  if (skb.data[l4] === 128) echoReply6(s, skb, l4, len);
}

function udpRcv6(s: NetStack, skb: Skb, l4: number, len: number): void {
  const buf = skb.data;
  if (len < 8) {
    s.drop(Drop.L4_MALFORMED, skb);
    return;
  }
  let ulen = readU16(buf, l4 + 4);
  if (ulen > len) {
    s.drop(Drop.L4_MALFORMED, skb);
    return;
  }
  if (ulen === 0) ulen = len; // a jumbogram's UDP length
  if (ulen < 8) {
    s.drop(Drop.L4_MALFORMED, skb);
    return;
  }
  if (readU16(buf, l4 + 6) === 0 || !l4ChecksumOk(buf, skb.l3Offset, 6, 17, l4, ulen)) {
    s.drop(Drop.L4_CSUM, skb);
    return;
  }
  // __udp6_lib_rcv trimmed the skb to the UDP length: the quote stops there too.
  icmpSend6(s, skb, ICMPV6_DEST_UNREACH, 4, 0, l4 - skb.l3Offset + ulen);
}

function tcpRcv6(s: NetStack, skb: Skb, l4: number, len: number): void {
  const buf = skb.data;
  if (len < 20) {
    s.drop(Drop.L4_MALFORMED, skb);
    return;
  }
  const doff = ((buf[l4 + 12] as number) >>> 4) * 4;
  if (doff < 20 || doff > len) {
    s.drop(Drop.L4_MALFORMED, skb);
    return;
  }
  if (!l4ChecksumOk(buf, skb.l3Offset, 6, 6, l4, len)) {
    s.drop(Drop.L4_CSUM, skb);
    return;
  }
  localReset6(s, skb, l4, len);
}

/**
 * IP6CB(skb)->nhoff: offset, from the IPv6 header, of the next-header byte
 * that named the protocol the stack does not know.
 */
function nextHeaderOffset(buf: Uint8Array, off: number): number {
  let at = 6;
  let pos = 40;
  let nh = buf[off + 6] as number;
  while (isIpv6ExtensionHeader(nh)) {
    at = pos;
    const hlen =
      nh === 44
        ? 8
        : nh === 51
          ? ((buf[off + pos + 1] as number) + 2) * 4
          : ((buf[off + pos + 1] as number) + 1) * 8;
    nh = buf[off + pos] as number;
    pos += hlen;
  }
  return at;
}
