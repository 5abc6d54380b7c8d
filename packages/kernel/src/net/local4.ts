/**
 * IPv4 local delivery (ip_local_deliver): INPUT hooks, then what the
 * router's own stack does with the packet. No socket listens on a ctkit
 * router, so: echo and timestamp requests are answered, UDP gets a port
 * unreachable, TCP a RST, an unknown protocol a protocol unreachable, and
 * the rest is consumed. Checksums are verified first, as Linux does
 * before answering anything.
 */
import { onesComplementSum, readU16 } from "@ctkit/packet";
import { l4ChecksumOk } from "./build.js";
import { Hook, NfVerdict } from "./hooks.js";
import { ICMP_DEST_UNREACH, icmpSend4 } from "./icmp-error.js";
import { echoReply4, timestampReply4 } from "./icmp-reply.js";
import { RtKind } from "./route-state.js";
import type { Skb } from "./skb.js";
import type { NetStack } from "./stack.js";
import { Drop } from "./stats.js";
import { localReset4 } from "./tcp-reset.js";

/** Protocols the kernel has a handler for even without sockets (ICMP, IGMP, TCP, UDP, UDP-Lite). */
function knownProtocol(p: number): boolean {
  return p === 1 || p === 2 || p === 6 || p === 17 || p === 136;
}

export function deliver4(s: NetStack, skb: Skb): void {
  const buf = skb.data;
  const off = skb.l3Offset;
  // ip_local_deliver reassembles fragments; ctkit does not.
  if ((readU16(buf, off + 6) & 0x3fff) !== 0) {
    s.drop(Drop.LOCAL_FRAGMENT, skb);
    return;
  }
  skb.oif = -1;
  const v = s.hooks.run(4, Hook.INPUT, skb);
  if (v !== NfVerdict.ACCEPT) {
    s.hookVerdict(v, skb);
    return;
  }
  s.stats.delivered++;
  const protocol = buf[off + 9] as number;
  switch (protocol) {
    case 1:
      icmpRcv4(s, skb);
      break;
    case 6:
      tcpRcv4(s, skb);
      break;
    case 17:
      udpRcv4(s, skb);
      break;
    default:
      if (!knownProtocol(protocol)) icmpSend4(s, skb, ICMP_DEST_UNREACH, 2, 0);
  }
}

/** Offset of the transport header (l4Len: its length is the total length minus this). */
function l4Start(skb: Skb): number {
  return skb.l3Offset + ((skb.data[skb.l3Offset] as number) & 0x0f) * 4;
}

function l4Len(skb: Skb): number {
  return readU16(skb.data, skb.l3Offset + 2) - (l4Start(skb) - skb.l3Offset);
}

function icmpRcv4(s: NetStack, skb: Skb): void {
  const buf = skb.data;
  const l4 = l4Start(skb);
  const len = l4Len(skb);
  if (len < 8) {
    s.drop(Drop.L4_MALFORMED, skb);
    return;
  }
  if (onesComplementSum(buf, l4, len) !== 0xffff) {
    s.drop(Drop.L4_CSUM, skb);
    return;
  }
  const type = buf[l4] as number;
  if (s.rxRoute.kind === RtKind.BROADCAST) {
    // RFC 1122 3.2.2.6/3.2.2.8: echo and timestamp to broadcast may be ignored.
    if ((type === 8 || type === 13) && s.sys.icmpEchoIgnoreBroadcasts) return;
    if (type !== 8 && type !== 13 && type !== 17 && type !== 18) return;
  }
  if (type === 8) echoReply4(s, skb, l4, len);
  else if (type === 13) timestampReply4(s, skb, l4, len);
}

function udpRcv4(s: NetStack, skb: Skb): void {
  const l4 = l4Start(skb);
  const len = l4Len(skb);
  const buf = skb.data;
  if (len < 8) {
    s.drop(Drop.L4_MALFORMED, skb);
    return;
  }
  const ulen = readU16(buf, l4 + 4);
  if (ulen > len || ulen < 8) {
    s.drop(Drop.L4_MALFORMED, skb);
    return;
  }
  if (readU16(buf, l4 + 6) !== 0 && !l4ChecksumOk(buf, skb.l3Offset, 4, 17, l4, ulen)) {
    s.drop(Drop.L4_CSUM, skb);
    return;
  }
  // Broadcast datagrams go to the multicast delivery, which never answers.
  if (s.rxRoute.kind !== RtKind.LOCAL) return;
  // __udp4_lib_rcv trimmed the skb to the UDP length: the quote stops there too.
  icmpSend4(s, skb, ICMP_DEST_UNREACH, 3, 0, l4 - skb.l3Offset + ulen);
}

function tcpRcv4(s: NetStack, skb: Skb): void {
  const l4 = l4Start(skb);
  const len = l4Len(skb);
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
  if (!l4ChecksumOk(buf, skb.l3Offset, 4, 6, l4, len)) {
    s.drop(Drop.L4_CSUM, skb);
    return;
  }
  localReset4(s, skb, l4, len);
}
