import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checksumReplace16,
  checksumReplace32,
  checksumReplaceIpv6Address,
  computeL4Checksum,
  foldChecksum,
  IpProtocol,
  Ipv4View,
  Ipv6View,
  internetChecksum,
  ipv4HeaderChecksum,
  ipv4PseudoHeaderSum,
  ipv6PseudoHeaderSum,
  l4ChecksumReplace16,
  l4ChecksumReplace32,
  l4ChecksumReplaceAddressV4,
  l4ChecksumReplaceAddressV6,
  onesComplementSum,
  ParseError,
  udpChecksumOnWire,
  verifyIpv4HeaderChecksum,
  verifyL4Checksum,
} from "../src/index.js";
import { concat, fromHex, referenceChecksum, u16, u32 } from "./support.js";

describe("full Internet checksum", () => {
  it("matches the RFC 1071 §3 worked example", () => {
    const bytes = fromHex("0001f203f4f5f6f7");
    expect(onesComplementSum(bytes, 0, 8)).toBe(0xddf2);
    expect(internetChecksum(bytes, 0, 8)).toBe(0x220d);
  });

  it("pads an odd last byte with zero", () => {
    expect(internetChecksum(fromHex("01"), 0, 1)).toBe(0xfeff);
    expect(internetChecksum(fromHex("0001f2"), 0, 3)).toBe(~(0x0001 + 0xf200) & 0xffff);
    expect(internetChecksum(new Uint8Array(0), 0, 0)).toBe(0xffff);
  });

  it("folds carries, including sums above 2^32", () => {
    expect(foldChecksum(0x1fffe)).toBe(0xffff);
    expect(foldChecksum(0x10000)).toBe(1);
    expect(foldChecksum(0x1_0000_0000 + 5)).toBe(6);
    expect(foldChecksum(0)).toBe(0);
  });

  it("equals the literal RFC 1071 algorithm on random data", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300, size: "max" }), fc.nat(0xffff), (bytes, seed) => {
        const buf = concat([seed & 0xff], bytes); // odd start offset 1
        expect(internetChecksum(buf, 1, bytes.length)).toBe(referenceChecksum(bytes));
      }),
    );
  });

  /** The byte-pair loop onesComplementSum used before it read whole words. */
  function bytePairSum(buf: Uint8Array, off: number, len: number, initial: number): number {
    let sum = initial;
    const last = off + len - 1;
    let i = off;
    for (; i < last; i += 2) sum += ((buf[i] as number) << 8) | (buf[i + 1] as number);
    if (i === last) sum += (buf[i] as number) << 8;
    return foldChecksum(sum);
  }

  it("sums whole words exactly like the byte-pair loop, at every alignment", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 1600 }),
      fc.nat(1600).map((n) => new Uint8Array(n)), // all zero: the sum stays 0
      fc.nat(1600).map((n) => new Uint8Array(n).fill(0xff)), // every word 0xffff
    );
    fc.assert(
      fc.property(
        bytes,
        fc.nat(7),
        fc.nat(1700),
        fc.nat(1700),
        fc.oneof(fc.constant(0), fc.nat(0xffff), fc.nat(0x7fffffff)),
        (data, shift, a, b, initial) => {
          // A view at byteOffset `shift` moves every address by it.
          const backing = new Uint8Array(data.length + 8);
          backing.set(data, shift);
          const buf = backing.subarray(shift, shift + data.length);
          const off = Math.min(a, data.length);
          const len = Math.min(b, data.length - off);
          expect(onesComplementSum(buf, off, len, initial)).toBe(
            bytePairSum(buf, off, len, initial),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("counts bytes past the end of the buffer as zero on the word path too", () => {
    const buf = new Uint8Array(200).map((_, i) => (i * 37 + 11) & 0xff);
    expect(onesComplementSum(buf, 100, 300)).toBe(bytePairSum(buf, 100, 300, 0));
    expect(onesComplementSum(buf, 150, 64, 5)).toBe(bytePairSum(buf, 150, 64, 5));
  });

  it("keeps the result right as the byte arrays summed change", () => {
    const one = new Uint8Array(256).fill(0x12);
    const two = new Uint8Array(100).fill(0x34);
    const three = new Uint8Array(new ArrayBuffer(300), 5, 290).fill(0x56);
    for (const [buf, off, len] of [
      [one, 3, 250],
      [two, 1, 99],
      [one, 2, 200],
      [three, 0, 290],
      [two, 0, 80],
      [one, 0, 256],
    ] as const) {
      expect(onesComplementSum(buf, off, len)).toBe(bytePairSum(buf, off, len, 0));
    }
  });

  it("sums a message ending in the last bytes of a buffer whose length is not a multiple of 4", () => {
    for (const size of [201, 202, 203, 204]) {
      const buf = new Uint8Array(size).map((_, i) => (i * 61 + 3) & 0xff);
      for (const off of [0, 1, 2, 3]) {
        expect(onesComplementSum(buf, off, size - off, 7)).toBe(
          bytePairSum(buf, off, size - off, 7),
        );
      }
    }
  });

  it("folds in between on messages longer than 16 KiB", () => {
    const big = new Uint8Array(70_001).fill(0xff);
    expect(onesComplementSum(big, 1, 70_000)).toBe(bytePairSum(big, 1, 70_000, 0));
    big.forEach((_, i) => {
      big[i] = (i * 7919) & 0xff;
    });
    expect(onesComplementSum(big, 0, 70_001, 3)).toBe(bytePairSum(big, 0, 70_001, 3));
  });

  it("computes and verifies the classic IPv4 header example (checksum 0xb861)", () => {
    const header = fromHex("450000730000400040110000c0a80001c0a800c7");
    expect(ipv4HeaderChecksum(header, 0, 20)).toBe(0xb861);
    header.set([0xb8, 0x61], 10);
    expect(ipv4HeaderChecksum(header, 0, 20)).toBe(0xb861); // field itself is skipped
    expect(verifyIpv4HeaderChecksum(header, 0, 20)).toBe(true);
    header[8] = 63;
    expect(verifyIpv4HeaderChecksum(header, 0, 20)).toBe(false);
  });

  it("sums the pseudo headers like an explicit byte layout", () => {
    const v4 = concat(u32(0x0a630001), u32(0x0a630002), [0, 6], u16(40));
    expect(ipv4PseudoHeaderSum(0x0a630001, 0x0a630002, 6, 40)).toBe(
      ~referenceChecksum(v4) & 0xffff,
    );
    const addrs = fromHex("fd990000000000000000000000000001fd990000000000000000000000000002");
    const v6 = concat(addrs, u32(70000), [0, 0, 0, 17]);
    expect(ipv6PseudoHeaderSum(addrs, 0, 16, 17, 70000)).toBe(~referenceChecksum(v6) & 0xffff);
  });

  it("maps a computed UDP checksum of 0 to 0xFFFF", () => {
    expect(udpChecksumOnWire(0)).toBe(0xffff);
    expect(udpChecksumOnWire(0x1234)).toBe(0x1234);
  });
});

/** A random IPv4 header with correct checksum: version 4, IHL 5-15, arbitrary other bytes. */
const ipv4Header = fc
  .tuple(fc.integer({ min: 5, max: 15 }), fc.uint8Array({ minLength: 60, maxLength: 60 }))
  .map(([ihl, random]) => {
    const header = random.slice(0, ihl * 4);
    header[0] = 0x40 | ihl;
    header[10] = 0;
    header[11] = 0;
    const check = referenceChecksum(header);
    header[10] = check >>> 8;
    header[11] = check & 0xff;
    return header;
  });

describe("RFC 1624 incremental update equals full recomputation", () => {
  it("IPv4 header, 16-bit field edits", () => {
    fc.assert(
      fc.property(ipv4Header, fc.nat(), fc.nat(0xffff), (header, pick, value) => {
        const words = header.length / 2;
        let word = pick % words;
        if (word === 5) word = 4; // the checksum itself
        const at = word * 2;
        const old = (header[at] << 8) | header[at + 1];
        const before = (header[10] << 8) | header[11];
        header[at] = value >>> 8;
        header[at + 1] = value & 0xff;
        const incremental = checksumReplace16(before, old, value);
        header[10] = 0;
        header[11] = 0;
        expect(incremental).toBe(referenceChecksum(header));
      }),
      { numRuns: 2000 },
    );
  });

  it("IPv4 header, address (32-bit) edits through the view", () => {
    fc.assert(
      fc.property(ipv4Header, fc.boolean(), fc.nat(0xffffffff), (header, src, value) => {
        header[2] = 0;
        header[3] = header.length; // total length = header only, so the view attaches
        header.set([0, 0], 10);
        const ip = new Ipv4View();
        expect(ip.attach(header, 0, header.length)).toBe(ParseError.Ok);
        ip.fillChecksum();
        const old = src ? ip.source : ip.destination;
        if (src) ip.setSource(value);
        else ip.setDestination(value);
        const incremental = checksumReplace32(ip.checksum, old, value);
        expect(incremental).toBe(ip.computeChecksum());
        ip.setChecksum(incremental);
        expect(ip.verifyChecksum()).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("never produces 0xFFFF for a valid IPv4 header (the RFC 1624 corner)", () => {
    // Force edits that drive the data sum towards 0xFFFF / 0x0000 boundaries.
    fc.assert(
      fc.property(ipv4Header, fc.nat(), (header, pick) => {
        const before = (header[10] << 8) | header[11];
        const at = 12 + (pick % 4) * 2;
        const old = (header[at] << 8) | header[at + 1];
        header.set([0, 0], 10);
        header.set([0, 0], at);
        const rest = ~referenceChecksum(header) & 0xffff; // folded sum without the field
        const value = ~rest & 0xffff; // makes the data sum 0xFFFF: checksum must be 0x0000
        header.set(u16(value), at);
        const incremental = checksumReplace16(before, old, value);
        expect(incremental).toBe(referenceChecksum(header));
        expect(incremental).not.toBe(0xffff);
      }),
      { numRuns: 1000 },
    );
  });

  it("IPv6 address replacement in a TCP/UDP/ICMPv6 pseudo header", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(IpProtocol.Tcp, IpProtocol.Udp, IpProtocol.Icmpv6),
        fc.uint8Array({ minLength: 8, maxLength: 200, size: "max" }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.boolean(),
        (protocol, body, newAddress, replaceSource) => {
          const packet = ipv6Packet(protocol, body);
          const ip = new Ipv6View();
          expect(ip.attach(packet, 0, packet.length)).toBe(ParseError.Ok);
          const l4 = ip.upperOffset;
          const field =
            l4 + (protocol === IpProtocol.Tcp ? 16 : protocol === IpProtocol.Udp ? 6 : 2);
          const set = (v: number) => packet.set(u16(v), field);
          set(computeL4Checksum(ip, protocol, packet, l4, ip.upperLength));
          const before = (packet[field] << 8) | packet[field + 1];
          const addressOffset = replaceSource ? ip.sourceOffset : ip.destinationOffset;
          const old = packet.slice(addressOffset, addressOffset + 16);
          packet.set(newAddress, addressOffset);
          const generic = checksumReplaceIpv6Address(before, old, 0, newAddress, 0);
          const l4Aware = l4ChecksumReplaceAddressV6(protocol, before, old, 0, newAddress, 0);
          const full = computeL4Checksum(ip, protocol, packet, l4, ip.upperLength);
          expect(l4Aware).toBe(full);
          if (protocol !== IpProtocol.Udp) expect(generic).toBe(full);
          set(l4Aware);
          expect(verifyL4Checksum(ip, protocol, packet, l4, ip.upperLength)).toBe(true);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("TCP and UDP over IPv4: port, seq/ack and address edits, with UDP's 0 -> 0xFFFF", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(IpProtocol.Tcp, IpProtocol.Udp),
        fc.uint8Array({ minLength: 20, maxLength: 120, size: "max" }),
        fc.constantFrom("sport", "dport", "seq", "ack", "saddr", "daddr"),
        fc.nat(0xffffffff),
        fc.boolean(),
        (protocol, body, fieldName, randomValue, forceZero) => {
          const packet = ipv4Packet(protocol, body);
          const ip = new Ipv4View();
          expect(ip.attach(packet, 0, packet.length)).toBe(ParseError.Ok);
          const l4 = ip.payloadOffset;
          const len = ip.payloadLength;
          const field = l4 + (protocol === IpProtocol.Tcp ? 16 : 6);
          const readCheck = () => (packet[field] << 8) | packet[field + 1];
          packet.set(u16(computeL4Checksum(ip, protocol, packet, l4, len)), field);
          const before = readCheck();

          const isUdpSeq =
            protocol === IpProtocol.Udp && (fieldName === "seq" || fieldName === "ack");
          const name = isUdpSeq ? "dport" : fieldName;
          let result: number;
          if (name === "sport" || name === "dport") {
            const at = l4 + (name === "sport" ? 0 : 2);
            const old = (packet[at] << 8) | packet[at + 1];
            let value = randomValue & 0xffff;
            if (forceZero) value = valueMakingChecksumZero(ip, protocol, packet, at, field);
            packet.set(u16(value), at);
            result = l4ChecksumReplace16(protocol, before, old, value);
          } else if (name === "seq" || name === "ack") {
            const at = l4 + (name === "seq" ? 4 : 8);
            const old = readU32(packet, at);
            packet.set(u32(randomValue), at);
            result = l4ChecksumReplace32(protocol, before, old, randomValue);
          } else {
            const old = name === "saddr" ? ip.source : ip.destination;
            if (name === "saddr") ip.setSource(randomValue);
            else ip.setDestination(randomValue);
            result = l4ChecksumReplaceAddressV4(protocol, before, old, randomValue);
          }
          const full = computeL4Checksum(ip, protocol, packet, l4, len);
          expect(result).toBe(full);
          if (protocol === IpProtocol.Udp) expect(result).not.toBe(0);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("UDP over IPv4 without checksum stays without checksum", () => {
    expect(l4ChecksumReplace16(IpProtocol.Udp, 0, 1234, 5678)).toBe(0);
    expect(l4ChecksumReplaceAddressV4(IpProtocol.Udp, 0, 0x0a000001, 0xc0a80001)).toBe(0);
    expect(
      l4ChecksumReplaceAddressV6(
        IpProtocol.Udp,
        0,
        new Uint8Array(16),
        0,
        fromHex("20010db8000000000000000000000001"),
        0,
      ),
    ).toBe(0);
  });

  it("UDP: a stored 0xFFFF (computed 0) updates like a full recomputation", () => {
    // Build a datagram whose checksum computes to 0, so it is sent as 0xFFFF.
    const packet = ipv4Packet(IpProtocol.Udp, fromHex("0035003500000000aabbccdd"));
    const ip = new Ipv4View();
    ip.attach(packet, 0, packet.length);
    const l4 = ip.payloadOffset;
    const value = valueMakingChecksumZero(ip, IpProtocol.Udp, packet, l4 + 8, l4 + 6);
    packet.set(u16(value), l4 + 8);
    const stored = computeL4Checksum(ip, IpProtocol.Udp, packet, l4, ip.payloadLength);
    expect(stored).toBe(0xffff);
    packet.set(u16(stored), l4 + 6);
    expect(verifyL4Checksum(ip, IpProtocol.Udp, packet, l4, ip.payloadLength)).toBe(true);
    packet.set(u16(4242), l4);
    const updated = l4ChecksumReplace16(IpProtocol.Udp, stored, 0x0035, 4242);
    expect(updated).toBe(computeL4Checksum(ip, IpProtocol.Udp, packet, l4, ip.payloadLength));
  });

  it("ICMP (no pseudo header): identifier edits, and the documented all-zero corner", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 8, maxLength: 80, size: "max" }),
        fc.nat(0xffff),
        (msg, id) => {
          const before0 = referenceChecksum(msg.map((b, i) => (i === 2 || i === 3 ? 0 : b)));
          msg.set(u16(before0), 2);
          const old = (msg[4] << 8) | msg[5];
          msg.set(u16(id), 4);
          const incremental = l4ChecksumReplace16(IpProtocol.Icmp, before0, old, id);
          msg.set([0, 0], 2);
          const allZero = msg.every((b) => b === 0);
          expect(incremental).toBe(allZero ? 0 : referenceChecksum(msg));
        },
      ),
      { numRuns: 2000 },
    );
    // An echo reply with id 5, seq 0 and no data has its id rewritten to 0: eqn. 3 gives 0x0000
    // (as Linux's csum_replace2 does) while a recomputation over the all-zero message gives 0xFFFF.
    expect(referenceChecksum(fromHex("0000000000050000"))).toBe(0xfffa);
    expect(checksumReplace16(0xfffa, 5, 0)).toBe(0x0000);
    expect(referenceChecksum(fromHex("0000000000000000"))).toBe(0xffff);
  });

  it("address edits leave an ICMPv4 checksum alone", () => {
    expect(l4ChecksumReplaceAddressV4(IpProtocol.Icmp, 0x1234, 1, 2)).toBe(0x1234);
  });
});

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function ipv4Packet(protocol: number, body: Uint8Array): Uint8Array {
  const l4 = body.slice();
  if (protocol === IpProtocol.Tcp) {
    l4[12] = 0x50; // data offset 5
  } else if (protocol === IpProtocol.Udp) {
    l4.set(u16(l4.length), 4);
  }
  const header = concat(
    [0x45, 0],
    u16(20 + l4.length),
    [0, 1, 0, 0, 64, protocol, 0, 0],
    u32(0x0a000001),
    u32(0xc0a80102),
  );
  return concat(header, l4);
}

function ipv6Packet(protocol: number, body: Uint8Array): Uint8Array {
  const l4 =
    protocol === IpProtocol.Tcp && body.length < 20
      ? concat(body, new Uint8Array(20 - body.length))
      : body.slice();
  if (protocol === IpProtocol.Tcp) l4[12] = 0x50;
  if (protocol === IpProtocol.Udp) l4.set(u16(l4.length), 4);
  return concat(
    [0x60, 0, 0, 0],
    u16(l4.length),
    [protocol, 64],
    fromHex("20010db8000000000000000000000001"),
    fromHex("20010db8000000000000000000000002"),
    l4,
  );
}

/** The 16-bit value at `at` that makes the L4 checksum (field at `field`) compute to 0. */
function valueMakingChecksumZero(
  ip: Ipv4View,
  protocol: number,
  packet: Uint8Array,
  at: number,
  field: number,
): number {
  const saved = packet.slice(at, at + 2);
  const savedCheck = packet.slice(field, field + 2);
  packet.set([0, 0], at);
  packet.set([0, 0], field);
  const pseudo = ipv4PseudoHeaderSum(ip.source, ip.destination, protocol, ip.payloadLength);
  const rest = onesComplementSum(packet, ip.payloadOffset, ip.payloadLength, pseudo);
  packet.set(saved, at);
  packet.set(savedCheck, field);
  return ~rest & 0xffff;
}
