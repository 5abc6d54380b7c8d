import { describe, expect, it } from "vitest";
import { EthernetView, EtherType, formatMac, MAX_VLAN_TAGS, ParseError } from "../src/index.js";
import { concat, fromHex, toHex, u16 } from "./support.js";

const dst = fromHex("02000000000b");
const src = fromHex("02000000000a");

describe("EthernetView", () => {
  it("decodes an untagged frame", () => {
    const frame = concat(dst, src, u16(0x0800), [0x45, 0, 0, 20]);
    const eth = new EthernetView();
    expect(eth.attach(frame, 0, frame.length)).toBe(ParseError.Ok);
    expect(formatMac(frame, eth.destinationOffset)).toBe("02:00:00:00:00:0b");
    expect(formatMac(frame, eth.sourceOffset)).toBe("02:00:00:00:00:0a");
    expect(eth.etherType).toBe(EtherType.Ipv4);
    expect(eth.outerEtherType).toBe(EtherType.Ipv4);
    expect(eth.vlanCount).toBe(0);
    expect(eth.headerLength).toBe(14);
    expect(eth.payloadOffset).toBe(14);
    expect(eth.payloadLength).toBe(4);
  });

  it("decodes one 802.1Q tag (PCP 5, DEI 1, VID 100)", () => {
    const frame = concat(dst, src, u16(0x8100), u16(0xb064), u16(0x86dd), [0x60]);
    const eth = new EthernetView();
    expect(eth.attach(frame, 0, frame.length)).toBe(ParseError.Ok);
    expect(eth.vlanCount).toBe(1);
    expect(eth.outerEtherType).toBe(EtherType.Vlan);
    expect(eth.vlanTpid(0)).toBe(0x8100);
    expect(eth.vlanTci(0)).toBe(0xb064);
    expect(eth.vlanId(0)).toBe(100);
    expect(eth.vlanPriority(0)).toBe(5);
    expect(eth.vlanDropEligible(0)).toBe(true);
    expect(eth.etherType).toBe(EtherType.Ipv6);
    expect(eth.headerLength).toBe(18);
    expect(eth.payloadOffset).toBe(18);
    expect(eth.payloadLength).toBe(1);
  });

  it("decodes stacked QinQ tags (802.1ad outer VID 200, 802.1Q inner VID 100)", () => {
    const frame = concat(
      dst,
      src,
      u16(0x88a8),
      u16(200),
      u16(0x8100),
      u16(0x2064),
      u16(0x0800),
      [1, 2],
    );
    const eth = new EthernetView();
    expect(eth.attach(frame, 0, frame.length)).toBe(ParseError.Ok);
    expect(eth.vlanCount).toBe(2);
    expect(eth.vlanTpid(0)).toBe(EtherType.QinQ);
    expect(eth.vlanId(0)).toBe(200);
    expect(eth.vlanPriority(0)).toBe(0);
    expect(eth.vlanTpid(1)).toBe(EtherType.Vlan);
    expect(eth.vlanId(1)).toBe(100);
    expect(eth.vlanPriority(1)).toBe(1);
    expect(eth.vlanDropEligible(1)).toBe(false);
    expect(eth.etherType).toBe(EtherType.Ipv4);
    expect(eth.headerLength).toBe(22);
    expect(eth.payloadLength).toBe(2);
  });

  it("accepts the legacy 0x9100 outer TPID", () => {
    const frame = concat(dst, src, u16(0x9100), u16(7), u16(0x0806));
    const eth = new EthernetView();
    expect(eth.attach(frame, 0, frame.length)).toBe(ParseError.Ok);
    expect(eth.vlanCount).toBe(1);
    expect(eth.etherType).toBe(EtherType.Arp);
  });

  it("works at an offset inside a larger buffer", () => {
    const frame = concat([9, 9, 9], dst, src, u16(0x0800), [0x45], [7, 7]);
    const eth = new EthernetView();
    expect(eth.attach(frame, 3, 15)).toBe(ParseError.Ok);
    expect(eth.offset).toBe(3);
    expect(eth.sourceOffset).toBe(9);
    expect(eth.payloadOffset).toBe(17);
    expect(eth.payloadLength).toBe(1);
  });

  it("rejects truncated frames and tag chains", () => {
    const eth = new EthernetView();
    const tagged = concat(dst, src, u16(0x8100), u16(100), u16(0x0800));
    expect(eth.attach(tagged, 0, 13)).toBe(ParseError.Truncated);
    expect(eth.attach(tagged, 0, 16)).toBe(ParseError.Truncated); // tag but no inner type
    expect(eth.attach(tagged, 0, 17)).toBe(ParseError.Truncated);
    expect(eth.attach(tagged, 0, 18)).toBe(ParseError.Ok);
    expect(eth.attach(tagged, 4, 18)).toBe(ParseError.Truncated); // beyond the buffer
  });

  it("refuses more than MAX_VLAN_TAGS tags", () => {
    const tags: number[] = [];
    for (let i = 0; i <= MAX_VLAN_TAGS; i++) tags.push(...u16(0x8100), ...u16(i));
    const frame = concat(dst, src, tags, u16(0x0800));
    const eth = new EthernetView();
    expect(eth.attach(frame, 0, frame.length)).toBe(ParseError.TooManyVlanTags);
    const fewer = concat(dst, src, tags.slice(4), u16(0x0800));
    expect(eth.attach(fewer, 0, fewer.length)).toBe(ParseError.Ok);
    expect(eth.vlanCount).toBe(MAX_VLAN_TAGS);
  });

  it("rewrites addresses, the inner EtherType and a TCI in place", () => {
    const frame = concat(dst, src, u16(0x8100), u16(100), u16(0x0800));
    const eth = new EthernetView();
    eth.attach(frame, 0, frame.length);
    eth.setDestination(fromHex("ffffffffffff"));
    eth.setSource(fromHex("00aabbccddeeff"), 1);
    eth.setEtherType(0x86dd);
    eth.setVlanTci(0, 0x0fff);
    expect(toHex(frame)).toBe("ffffffffffffaabbccddeeff81000fff86dd");
  });
});
