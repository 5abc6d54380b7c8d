import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EthernetView,
  GreView,
  IcmpView,
  Icmpv6View,
  Ipv4View,
  Ipv6View,
  PacketDecoder,
  ParseError,
  PptpControlView,
  TcpOptions,
  TcpView,
  UdpView,
} from "../src/index.js";
import { kernelPackets } from "./fixtures/kernel-packets.js";
import { concat, fromHex, u16, u32 } from "./support.js";

interface View {
  attach(buffer: Uint8Array, offset: number, length: number): number;
}

const views: [string, () => View][] = [
  ["ethernet", () => new EthernetView()],
  ["ipv4", () => new Ipv4View()],
  ["ipv6", () => new Ipv6View()],
  ["tcp", () => new TcpView()],
  ["udp", () => new UdpView()],
  ["icmp", () => new IcmpView()],
  ["icmpv6", () => new Icmpv6View()],
  ["gre", () => new GreView()],
  ["pptp", () => new PptpControlView()],
];

const statusCodes = new Set<number>(Object.values(ParseError));

/** Every getter on the view's prototype chain except `buffer` (identity differs by design). */
function readAllGetters(view: object): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (
    let proto = Object.getPrototypeOf(view);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (descriptor.get && name !== "buffer" && !(name in values)) {
        values[name] = (view as Record<string, unknown>)[name];
      }
    }
  }
  return values;
}

/** Frames whose IP packet (at offset 14) is fully present, with the IP length. */
const ipFrames = Object.entries(kernelPackets)
  .filter(([name]) => name !== "arpRequest")
  .map(([name, p]) => {
    const frame = fromHex(p.hex);
    const ipLength =
      frame[14] >>> 4 === 4 ? (frame[16] << 8) | frame[17] : 40 + ((frame[18] << 8) | frame[19]);
    return { name, frame, ipLength };
  });

describe("truncation: every prefix of a valid packet is rejected, never thrown on", () => {
  it("IP views and the decoder on every kernel-captured packet", () => {
    const decoder = new PacketDecoder();
    const v4 = new Ipv4View();
    const v6 = new Ipv6View();
    let checked = 0;
    for (const { name, frame, ipLength } of ipFrames) {
      expect(decoder.decodeEthernet(frame, 0, frame.length), name).toBe(ParseError.Ok);
      const ip = frame[14] >>> 4 === 4 ? v4 : v6;
      expect(ip.attach(frame, 14, ipLength), name).toBe(ParseError.Ok);
      for (let p = 0; p < ipLength; p++) {
        expect(ip.attach(frame, 14, p), `${name} prefix ${p}`).not.toBe(ParseError.Ok);
        expect(decoder.decodeEthernet(frame, 0, 14 + p), `${name} frame prefix ${p}`).not.toBe(
          ParseError.Ok,
        );
        checked++;
      }
      for (let p = 0; p < 14; p++)
        expect(decoder.decodeEthernet(frame, 0, p)).toBe(ParseError.Truncated);
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it("views whose header has a length: UDP, IPv6 with extension headers, GRE, PPTP, VLAN Ethernet", () => {
    const samples: [View, Uint8Array, number][] = [
      // [view, bytes, length below which every prefix must fail]
      [new UdpView(), fromHex("d43100350010abcd6162636465666768"), 16],
      [
        new TcpView(),
        concat(
          u16(1),
          u16(2),
          u32(3),
          u32(4),
          [0x70, 0x02],
          u16(5),
          u16(0),
          u16(0),
          fromHex("020405b40402080a"),
        ),
        28,
      ],
      [new IcmpView(), fromHex("0800f7ff00000000"), 8],
      [new Icmpv6View(), fromHex("8000f7ff00000000"), 8],
      [new GreView(), concat(u16(0xb000), u16(0x0800), u32(0), u32(7), u32(8)), 16],
      [new GreView(), concat(u16(0x3081), u16(0x880b), u16(0), u16(1), u32(2), u32(3)), 16],
      [
        new PptpControlView(),
        concat(u16(32), u16(1), u32(0x1a2b3c4d), u16(8), u16(0), new Uint8Array(20)),
        32,
      ],
      [
        new EthernetView(),
        concat(new Uint8Array(12), u16(0x88a8), u16(1), u16(0x8100), u16(2), u16(0x0800)),
        22,
      ],
      [
        new Ipv6View(),
        concat(
          fromHex("6000000000181140"),
          new Uint8Array(32),
          [17, 0, 1, 4, 0, 0, 0, 0],
          fromHex("00010002001000000000000000000000"),
        ),
        64,
      ],
    ];
    for (const [view, bytes, minimum] of samples) {
      expect(view.attach(bytes, 0, bytes.length)).toBe(ParseError.Ok);
      for (let p = 0; p < minimum; p++) {
        expect(view.attach(bytes, 0, p), `${view.constructor.name} prefix ${p}`).not.toBe(
          ParseError.Ok,
        );
      }
    }
  });
});

describe("arbitrary bytes", () => {
  it("attach never throws and returns a known status; getters never throw", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 120, size: "max" }),
        fc.integer({ min: -4, max: 130 }),
        fc.integer({ min: -4, max: 130 }),
        (bytes, offset, length) => {
          for (const [name, make] of views) {
            const view = make();
            const status = view.attach(bytes, offset, length);
            expect(statusCodes.has(status), name).toBe(true);
            if (status === ParseError.Ok) {
              for (const [getter, value] of Object.entries(readAllGetters(view))) {
                const ok =
                  typeof value === "boolean" ||
                  (typeof value === "number" && Number.isInteger(value));
                expect(ok, `${name}.${getter} = ${String(value)}`).toBe(true);
              }
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("after a successful attach, getters read only inside [offset, offset + length)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 100, size: "max" }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.nat(5),
        (window, noise, pick) => {
          // Bias some inputs towards valid headers so that success paths are exercised.
          const n = window.length;
          if (pick === 0 && n >= 4) window.set([0x45, window[1], n >>> 8, n & 0xff], 0);
          if (pick === 1 && n >= 7)
            window.set([0x60, 0, 0, 0, 0, n - 40, [0, 6, 17, 44, 60][n % 5]], 0);
          if (pick === 2 && n > 12) window[12] = 0x50;
          if (pick === 3 && n >= 12) window.set([0, 1, 0x1a, 0x2b, 0x3c, 0x4d, 0, n % 16], 2);
          if (pick === 4 && n >= 6) window.set([n >>> 8, n & 0xff], 4);
          const a = concat(noise, window, noise);
          const b = concat(
            noise.map((x) => x ^ 0xff),
            window,
            noise.map((x) => x ^ 0x5a),
          );
          for (const [name, make] of views) {
            const va = make();
            const vb = make();
            const sa = va.attach(a, 8, window.length);
            const sb = vb.attach(b, 8, window.length);
            expect(sb, name).toBe(sa);
            if (sa === ParseError.Ok) expect(readAllGetters(vb), name).toEqual(readAllGetters(va));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("the TCP option walk never throws or reads past the header", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 40, size: "max" }),
        fc.nat(0xff),
        (options, noise) => {
          const padded = concat(options, new Uint8Array((4 - (options.length % 4)) % 4));
          const header = concat(
            u16(1),
            u16(2),
            u32(0),
            u32(0),
            [(5 + padded.length / 4) << 4, 0x02],
            u16(0),
            u16(0),
            u16(0),
            padded,
          );
          const tcp = new TcpView();
          const a = concat(header, new Uint8Array(40).fill(noise));
          const b = concat(header, new Uint8Array(40).fill(noise ^ 0xff));
          const oa = new TcpOptions();
          const ob = new TcpOptions();
          expect(tcp.attach(a, 0, header.length)).toBe(ParseError.Ok);
          const statusA = oa.parse(tcp);
          expect(tcp.attach(b, 0, header.length)).toBe(ParseError.Ok);
          const statusB = ob.parse(tcp);
          expect(statusB).toBe(statusA);
          expect([statusA === ParseError.Ok, statusA === ParseError.BadOption]).toContain(true);
          const summary = (o: TcpOptions) => [
            o.mss,
            o.windowScale,
            o.sackPermitted,
            o.timestampValue,
            o.timestampEcho,
            o.sackBlockCount,
          ];
          expect(summary(ob)).toEqual(summary(oa));
          for (let i = 0; i < oa.sackBlockCount; i++) {
            expect(ob.sackLeft(i)).toBe(oa.sackLeft(i));
            expect(ob.sackRight(i)).toBe(oa.sackRight(i));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
