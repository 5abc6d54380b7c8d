/**
 * A tcpdump-like one-line description of an IP packet, for --trace.
 * Allocates (strings); only used when tracing.
 */
import { formatIpv4, formatIpv6, PacketDecoder, ParseError } from "@ctkit/packet";

const dec = new PacketDecoder();

export function describePacket(data: Uint8Array, off: number, len: number): string {
  const st = dec.decodeIp(data, off, len);
  if (dec.ipVersion === 0) return `malformed (${st})`;
  const v4 = dec.ipVersion === 4;
  const src = v4 ? formatIpv4(dec.ipv4.source) : formatIpv6(data, dec.ipv6.sourceOffset);
  const dst = v4 ? formatIpv4(dec.ipv4.destination) : formatIpv6(data, dec.ipv6.destinationOffset);
  const ttl = v4 ? dec.ipv4.ttl : dec.ipv6.hopLimit;
  const tail = st === ParseError.Ok ? "" : " [truncated]";
  switch (dec.transportProtocol) {
    case 6: {
      const t = dec.tcp;
      const f = `${t.syn ? "S" : ""}${t.fin ? "F" : ""}${t.rst ? "R" : ""}${t.psh ? "P" : ""}${t.ack ? "." : ""}`;
      return `TCP ${src}.${t.sourcePort} > ${dst}.${t.destinationPort} [${f}] seq ${t.sequenceNumber} ack ${t.acknowledgmentNumber} len ${t.payloadLength} ttl ${ttl}${tail}`;
    }
    case 17:
      return `UDP ${src}.${dec.udp.sourcePort} > ${dst}.${dec.udp.destinationPort} len ${dec.udp.length - 8} ttl ${ttl}${tail}`;
    case 1:
      return `ICMP ${src} > ${dst} type ${dec.icmp.type} code ${dec.icmp.code} ttl ${ttl}${tail}`;
    case 58:
      return `ICMPv6 ${src} > ${dst} type ${dec.icmpv6.type} code ${dec.icmpv6.code} hlim ${ttl}${tail}`;
    case 47: {
      const g = dec.gre;
      if (g.version !== 1)
        return `GRE ${src} > ${dst} proto 0x${hex4(g.protocolType)} ttl ${ttl}${tail}`;
      const seq = g.hasSequence ? ` seq ${g.sequence}` : "";
      const ack = g.hasAcknowledgment ? ` ack ${g.acknowledgment}` : "";
      return `GREv1 ${src} > ${dst} call ${g.callId}${seq}${ack} len ${g.keyPayloadLength} ttl ${ttl}${tail}`;
    }
    default:
      return `proto ${v4 ? dec.ipv4.protocol : dec.ipv6.upperProtocol} ${src} > ${dst} ttl ${ttl}${tail}`;
  }
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, "0");
}
