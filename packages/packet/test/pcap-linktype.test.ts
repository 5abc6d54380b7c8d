import { describe, expect, it } from "vitest";
import {
  isSupportedLinkType,
  LinkType,
  linkTypeName,
  locateNetworkLayer,
  NetworkLayerLocation,
  networkLayerOf,
} from "../src/pcap/index.js";
import { bytes, concat, filler } from "./pcap-builders.js";

const macs = filler(12, 1);
const ipv4 = concat(bytes(0x45, 0, 0, 20), filler(16, 2));
const ipv6 = concat(bytes(0x60, 0, 0, 0), filler(36, 3));
const be16 = (v: number) => bytes(v >> 8, v & 0xff);
const tag = (tpid: number, vid: number) => concat(be16(tpid), be16(vid));

/** Linux cooked v1 header: packet type, ARPHRD, address length, 8 address bytes, protocol. */
const sll = (protocol: number) => concat(bytes(0, 0, 0, 1, 0, 6), filler(8, 4), be16(protocol));
/** Linux cooked v2 header: protocol, reserved, ifindex, ARPHRD, packet type, address length, address. */
const sll2 = (protocol: number) =>
  concat(be16(protocol), bytes(0, 0, 0, 0, 0, 2, 0, 1, 0, 6), filler(8, 5));

describe("locateNetworkLayer", () => {
  it("finds IPv4 and IPv6 behind a plain Ethernet header", () => {
    expect(networkLayerOf(1, concat(macs, be16(0x0800), ipv4))).toEqual({
      offset: 14,
      etherType: 0x0800,
      vlanTags: 0,
    });
    expect(networkLayerOf(1, concat(macs, be16(0x86dd), ipv6))).toEqual({
      offset: 14,
      etherType: 0x86dd,
      vlanTags: 0,
    });
  });

  it("skips 802.1Q, 802.1ad and legacy 0x9100 tags", () => {
    expect(networkLayerOf(1, concat(macs, tag(0x8100, 100), be16(0x0800), ipv4))).toEqual({
      offset: 18,
      etherType: 0x0800,
      vlanTags: 1,
    });
    const qinq = concat(macs, tag(0x88a8, 200), tag(0x8100, 100), be16(0x86dd), ipv6);
    expect(networkLayerOf(1, qinq)).toEqual({ offset: 22, etherType: 0x86dd, vlanTags: 2 });
    const legacy = concat(macs, tag(0x9100, 7), tag(0x8100, 8), be16(0x0806), filler(28, 9));
    expect(networkLayerOf(1, legacy)).toEqual({
      offset: 22,
      etherType: 0x0806,
      vlanTags: 2,
    });
  });

  it("reports an 802.3 length field as is (never equal to an IP EtherType)", () => {
    expect(networkLayerOf(1, concat(macs, be16(46), filler(46, 1)))).toEqual({
      offset: 14,
      etherType: 46,
      vlanTags: 0,
    });
  });

  it("fails when the frame ends inside the header or a tag", () => {
    expect(networkLayerOf(1, filler(13, 1))).toBeNull();
    expect(networkLayerOf(1, concat(macs, be16(0x0800)))).toEqual({
      offset: 14,
      etherType: 0x0800,
      vlanTags: 0,
    });
    expect(networkLayerOf(1, concat(macs, tag(0x8100, 1), bytes(8)))).toBeNull();
    expect(networkLayerOf(113, filler(15, 1))).toBeNull();
    expect(networkLayerOf(276, filler(19, 1))).toBeNull();
    expect(networkLayerOf(101, new Uint8Array(0))).toBeNull();
  });

  it("reads the protocol field of Linux cooked v1 and v2, tags included", () => {
    expect(networkLayerOf(113, concat(sll(0x0800), ipv4))).toEqual({
      offset: 16,
      etherType: 0x0800,
      vlanTags: 0,
    });
    // libpcap re-inserts a VLAN tag where the protocol field was: 0x8100, TCI, inner protocol.
    expect(networkLayerOf(113, concat(sll(0x8100), be16(100), be16(0x86dd), ipv6))).toEqual({
      offset: 20,
      etherType: 0x86dd,
      vlanTags: 1,
    });
    expect(networkLayerOf(276, concat(sll2(0x86dd), ipv6))).toEqual({
      offset: 20,
      etherType: 0x86dd,
      vlanTags: 0,
    });
  });

  it("takes raw IP's version from its first nibble", () => {
    expect(networkLayerOf(101, ipv4)?.etherType).toBe(0x0800);
    expect(networkLayerOf(101, ipv6)?.etherType).toBe(0x86dd);
    expect(networkLayerOf(101, bytes(0x50, 0))).toBeNull();
    expect(networkLayerOf(228, bytes(0))).toEqual({ offset: 0, etherType: 0x0800, vlanTags: 0 });
    expect(networkLayerOf(229, bytes(0))).toEqual({ offset: 0, etherType: 0x86dd, vlanTags: 0 });
  });

  it("rejects unknown link types", () => {
    expect(networkLayerOf(105, ipv4)).toBeNull(); // 802.11
    expect(isSupportedLinkType(105)).toBe(false);
    expect(linkTypeName(105)).toBe("LINKTYPE_105");
  });

  it("works in place inside a larger buffer and reuses its output object", () => {
    const frame = concat(macs, tag(0x8100, 5), be16(0x0800), ipv4);
    const buffer = concat(filler(100, 7), frame, filler(50, 8));
    const out = new NetworkLayerLocation();
    expect(locateNetworkLayer(1, buffer, 100, 100 + frame.length, out)).toBe(true);
    expect(out.offset).toBe(118);
    expect(buffer[out.offset]).toBe(0x45);
    // The frame's end bounds the search even though the buffer goes on.
    expect(locateNetworkLayer(1, buffer, 100, 115, out)).toBe(false);
    expect(locateNetworkLayer(LinkType.IPV6, buffer, 3, 4, out)).toBe(true);
    expect(out).toMatchObject({ offset: 3, etherType: 0x86dd, vlanTags: 0 });
  });

  it("names link types as tcpdump -y does", () => {
    expect(
      [1, 101, 113, 228, 229, 276].map((t) => [linkTypeName(t), isSupportedLinkType(t)]),
    ).toEqual([
      ["EN10MB", true],
      ["RAW", true],
      ["LINUX_SLL", true],
      ["IPV4", true],
      ["IPV6", true],
      ["LINUX_SLL2", true],
    ]);
  });
});
