/**
 * Unique-tuple selection on its own (nat/unique-tuple.ts against
 * nf_nat_core.c of Linux 6.x: get_unique_tuple, find_best_ips_proto,
 * nf_nat_l4proto_unique_tuple), with a scripted tuple space: which tuples
 * are taken and what get_random_u16() returns are chosen by each test, so
 * every choice the kernel leaves to chance becomes an exact expectation.
 * The expected addresses of the address-range cases were recorded on a
 * Linux 6.18 router in network namespaces (jhash has no random seed, so
 * the kernel's pick is reproducible).
 */
import { formatIpv4, parseIpv4 } from "@ctkit/packet";
import { describe, expect, it } from "vitest";
import { Tuple } from "../src/conntrack/tuple.js";
import { Manip, NatRange, NatRangeFlag, PROTO_RANDOM_ALL } from "../src/nat/range.js";
import { getUniqueTuple, type TupleSpace } from "../src/nat/unique-tuple.js";

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ECHO_REQUEST = 8 << 8;

function ip(text: string): number {
  const a = parseIpv4(text);
  if (a === undefined) throw new Error(`bad address ${text}`);
  return a;
}

function tuple(proto: number, src: string, sport: number, dst: string, dport: number): Tuple {
  const t = new Tuple();
  t.family = 4;
  t.proto = proto;
  t.src[0] = ip(src);
  t.dst[0] = ip(dst);
  t.sport = sport;
  t.dport = dport;
  return t;
}

function key(t: Tuple): string {
  return `${t.proto} ${formatIpv4(t.src[0] as number)}:${t.sport}>${formatIpv4(t.dst[0] as number)}:${t.dport}`;
}

/**
 * The NAT core as tuple selection sees it. `taken` holds mapped tuples
 * whose reply another connection already owns; random16 replays `rolls`.
 */
class ScriptedSpace implements TupleSpace {
  readonly taken = new Set<string>();
  readonly asked: string[] = [];
  /** attemptsLeft of each port-search question (nf_nat_used_tuple_harder's argument). */
  readonly attemptsLeft: number[] = [];
  randomCalls = 0;
  findSrcCalls = 0;
  takeEverything = false;

  constructor(private readonly rolls: number[] = []) {}

  take(t: Tuple): this {
    this.taken.add(key(t));
    return this;
  }

  used(t: Tuple): boolean {
    const k = key(t);
    this.asked.push(k);
    return this.takeEverything || this.taken.has(k);
  }

  usedHarder(t: Tuple, attemptsLeft: number): boolean {
    this.attemptsLeft.push(attemptsLeft);
    return this.used(t);
  }

  findSrc(): boolean {
    this.findSrcCalls++;
    return false;
  }

  random16(): number {
    const r = this.rolls[this.randomCalls % Math.max(1, this.rolls.length)] ?? 0;
    this.randomCalls++;
    return r;
  }

  hasMaster(): boolean {
    return false;
  }
}

/** A range as xt_nat builds it: an address range (MAP_IPS), optionally ports and flags. */
function range(from: string, to = from, ports?: [number, number], flags = 0): NatRange {
  const r = new NatRange();
  r.flags = NatRangeFlag.MAP_IPS | flags;
  r.minAddr[0] = ip(from);
  r.maxAddr[0] = ip(to);
  if (ports) {
    r.flags |= NatRangeFlag.PROTO_SPECIFIED;
    [r.minProto, r.maxProto] = ports;
  }
  return r;
}

function select(orig: Tuple, r: NatRange, manip: Manip, space: ScriptedSpace): Tuple {
  const out = new Tuple();
  getUniqueTuple(out, orig, r, manip, space);
  return out;
}

const WAN = "198.51.100.1";
const SRV = "198.51.100.2";
const masq = () => range(WAN);

describe("source ports without a port range (the original port's class)", () => {
  it("keeps a free original port and asks for no random number", () => {
    const space = new ScriptedSpace([1234]);
    const out = select(tuple(UDP, "10.0.0.2", 40061, SRV, 5000), masq(), Manip.SRC, space);
    expect(key(out)).toBe(`17 ${WAN}:40061>${SRV}:5000`);
    expect(space.randomCalls).toBe(0);
  });

  // get_random_u16() = 40000 each time: the port is min + 40000 % size of the class.
  it.each([
    [0, 143, "1-511"],
    [80, 143, "1-511"],
    [511, 143, "1-511"],
    [512, 744, "600-1023"],
    [513, 744, "600-1023"],
    [700, 744, "600-1023"],
    [1023, 744, "600-1023"],
    [1024, 41024, "1024-65535"],
    [40061, 41024, "1024-65535"],
    [65535, 41024, "1024-65535"],
  ])("a taken port %i moves within its class: %i (%s)", (sport, want) => {
    const orig = tuple(UDP, "10.0.0.3", sport, SRV, 5000);
    const space = new ScriptedSpace([40000]).take(tuple(UDP, WAN, sport, SRV, 5000));
    const out = select(orig, masq(), Manip.SRC, space);
    expect(out.sport).toBe(want);
    expect(key(out)).toBe(`17 ${WAN}:${want}>${SRV}:5000`);
  });

  it("tries the following ports in turn when the first candidate is taken", () => {
    const space = new ScriptedSpace([40000])
      .take(tuple(TCP, WAN, 80, SRV, 8080))
      .take(tuple(TCP, WAN, 143, SRV, 8080));
    const out = select(tuple(TCP, "10.0.0.3", 80, SRV, 8080), masq(), Manip.SRC, space);
    expect(out.sport).toBe(144);
    expect(space.asked).toEqual([
      `6 ${WAN}:80>${SRV}:8080`,
      `6 ${WAN}:143>${SRV}:8080`,
      `6 ${WAN}:144>${SRV}:8080`,
    ]);
  });

  it("counts the offset in 16 bits: after 65535 comes 0, not 65536", () => {
    // 65535 % 511 = 127 → port 128; the next offset wraps to 0 → port 1 (not 129).
    const space = new ScriptedSpace([65535])
      .take(tuple(UDP, WAN, 80, SRV, 53))
      .take(tuple(UDP, WAN, 128, SRV, 53));
    const out = select(tuple(UDP, "10.0.0.3", 80, SRV, 53), masq(), Manip.SRC, space);
    expect(out.sport).toBe(1);
  });

  it("gives up after 128 + 64 + 32 + 16 + 8 tries with a new random start each round, keeping the last clashing candidate", () => {
    const space = new ScriptedSpace([5000, 6000, 7000, 8000, 100]);
    space.takeEverything = true;
    const out = select(tuple(UDP, "10.0.0.3", 40000, SRV, 53), masq(), Manip.SRC, space);
    // One check of the original port, then the five shrinking rounds.
    expect(space.asked).toHaveLength(1 + 128 + 64 + 32 + 16 + 8);
    expect(space.randomCalls).toBe(5);
    expect(space.attemptsLeft.slice(0, 2)).toEqual([128, 127]);
    expect(space.attemptsLeft.slice(128, 130)).toEqual([64, 63]);
    expect(space.attemptsLeft.slice(-2)).toEqual([2, 1]);
    expect(space.asked[1]).toBe(`17 ${WAN}:${1024 + 5000}>${SRV}:53`);
    expect(space.asked[129]).toBe(`17 ${WAN}:${1024 + 6000}>${SRV}:53`);
    // The last round starts at 100 and tries 8 ports, 1124..1131: the last one is kept.
    expect(out.sport).toBe(1131);
  });
});

describe("ICMP echo ids", () => {
  it("a taken id becomes get_random_u16() itself (the whole 16-bit space)", () => {
    const space = new ScriptedSpace([0xbeef]).take(tuple(ICMP, WAN, 0x3333, SRV, ECHO_REQUEST));
    const out = select(tuple(ICMP, "10.0.0.3", 0x3333, SRV, ECHO_REQUEST), masq(), 0, space);
    expect(out.sport).toBe(0xbeef);
    expect(out.dport).toBe(ECHO_REQUEST);
  });

  it("with an id range (SNAT -p icmp --to-source A:100-101) ids move into it, the next one on a clash", () => {
    const r = range(WAN, WAN, [100, 101]);
    const first = select(
      tuple(ICMP, "10.0.0.2", 0x3333, SRV, ECHO_REQUEST),
      r,
      Manip.SRC,
      new ScriptedSpace([7]),
    );
    expect(first.sport).toBe(101);
    const space = new ScriptedSpace([7]).take(first);
    const second = select(tuple(ICMP, "10.0.0.3", 0x3333, SRV, ECHO_REQUEST), r, Manip.SRC, space);
    expect(second.sport).toBe(100);
  });
});

describe("port ranges (--to-source A:P1-P2, MASQUERADE --to-ports)", () => {
  const ports = (): NatRange => range(WAN, WAN, [3000, 3009]);

  it("keeps an original port that lies in the range and is free", () => {
    const space = new ScriptedSpace([6]);
    const out = select(tuple(UDP, "10.0.0.2", 3005, SRV, 5007), ports(), Manip.SRC, space);
    expect(out.sport).toBe(3005);
    expect(space.randomCalls).toBe(0);
  });

  it("moves an original port that lies in the range but is taken", () => {
    const space = new ScriptedSpace([3]).take(tuple(UDP, WAN, 3005, SRV, 5007));
    const out = select(tuple(UDP, "10.0.0.3", 3005, SRV, 5007), ports(), Manip.SRC, space);
    expect(out.sport).toBe(3003);
  });

  it("moves a free original port from outside into the range", () => {
    const space = new ScriptedSpace([6]);
    const out = select(tuple(UDP, "10.0.0.2", 40001, SRV, 5007), ports(), Manip.SRC, space);
    expect(out.sport).toBe(3006);
  });

  it("a one-port range that equals the original port is kept even when taken (confirm then drops the packet)", () => {
    const r = range(WAN, WAN, [1000, 1000]);
    const space = new ScriptedSpace([9]).take(tuple(UDP, WAN, 1000, SRV, 5004));
    const out = select(tuple(UDP, "10.0.0.3", 1000, SRV, 5004), r, Manip.SRC, space);
    expect(key(out)).toBe(`17 ${WAN}:1000>${SRV}:5004`);
    expect(space.randomCalls).toBe(0);
  });

  it("an exhausted two-port range tries both ports once and keeps the last, clashing one", () => {
    const r = range(WAN, WAN, [1000, 1001]);
    const space = new ScriptedSpace([4])
      .take(tuple(UDP, WAN, 1000, SRV, 5000))
      .take(tuple(UDP, WAN, 1001, SRV, 5000));
    const out = select(tuple(UDP, "10.0.0.2", 40002, SRV, 5000), r, Manip.SRC, space);
    // The original port lies outside the range: no check of it, straight to the search.
    expect(space.asked).toEqual([`17 ${WAN}:1000>${SRV}:5000`, `17 ${WAN}:1001>${SRV}:5000`]);
    expect(out.sport).toBe(1001);
    expect(space.randomCalls).toBe(1);
    // Each question says how many tries are left: the last 32 may evict a TIME_WAIT holder.
    expect(space.attemptsLeft).toEqual([2, 1]);
  });
});

describe("destination NAT", () => {
  const dnat = (ports?: [number, number], flags = 0) => range("10.0.0.2", "10.0.0.2", ports, flags);

  it("without ports the destination port stays, even when the tuple is taken", () => {
    const orig = tuple(TCP, "203.0.113.5", 5555, WAN, 8080);
    const space = new ScriptedSpace([1]).take(tuple(TCP, "203.0.113.5", 5555, "10.0.0.2", 8080));
    const out = select(orig, dnat(), Manip.DST, space);
    expect(key(out)).toBe("6 203.0.113.5:5555>10.0.0.2:8080");
    expect(space.randomCalls).toBe(0);
  });

  it("with ports the search starts at the lowest port, no random start (off = 0 for DST)", () => {
    const orig = tuple(UDP, "203.0.113.5", 42000, WAN, 7001);
    const free = select(orig, dnat([8000, 8010]), Manip.DST, new ScriptedSpace([5]));
    expect(free.dport).toBe(8000);
    const space = new ScriptedSpace([5]).take(tuple(UDP, "203.0.113.5", 42000, "10.0.0.2", 8000));
    const next = select(orig, dnat([8000, 8010]), Manip.DST, space);
    expect(next.dport).toBe(8001);
    expect(space.randomCalls).toBe(0);
  });

  it("--random starts the destination port search at a random offset", () => {
    const orig = tuple(UDP, "203.0.113.5", 42000, WAN, 7001);
    const space = new ScriptedSpace([5]);
    const out = select(orig, dnat([8000, 8010], NatRangeFlag.PROTO_RANDOM), Manip.DST, space);
    expect(out.dport).toBe(8005);
  });
});

describe("--random and --random-fully", () => {
  it.each([
    ["--random", NatRangeFlag.PROTO_RANDOM],
    ["--random-fully", NatRangeFlag.PROTO_RANDOM_FULLY],
  ])(
    "%s remaps a free source port inside its class and skips the existing-mapping lookup",
    (_, flag) => {
      expect(flag & PROTO_RANDOM_ALL).not.toBe(0);
      const r = range(WAN, WAN, undefined, flag);
      const high = new ScriptedSpace([100]);
      expect(select(tuple(UDP, "10.0.0.2", 40001, SRV, 5005), r, Manip.SRC, high).sport).toBe(1124);
      expect(high.findSrcCalls).toBe(0);
      // Linux 6.18 moved a free source port 80 to 64 this way: the class 1-511 is kept.
      const low = new ScriptedSpace([100]);
      expect(select(tuple(UDP, "10.0.0.2", 80, SRV, 5005), r, Manip.SRC, low).sport).toBe(101);
    },
  );
});

describe("address ranges (find_best_ips_proto): the address Linux 6.18 chose", () => {
  const pick = (src: string, dst: string, from: string, to: string, flags = 0): string => {
    const out = select(
      tuple(UDP, src, 41000, dst, 5000),
      range(from, to, undefined, flags),
      Manip.SRC,
      new ScriptedSpace(),
    );
    return formatIpv4(out.src[0] as number);
  };

  it.each([
    ["10.0.0.2", SRV, "198.51.100.13"],
    ["10.0.0.3", SRV, "198.51.100.16"],
    ["10.0.0.4", SRV, "198.51.100.20"],
    ["10.0.0.5", SRV, "198.51.100.18"],
    ["10.0.0.8", SRV, "198.51.100.15"],
    ["10.0.0.9", SRV, "198.51.100.14"],
    ["10.0.0.11", SRV, "198.51.100.19"],
    ["10.0.0.2", "203.0.113.7", "198.51.100.20"],
    ["10.0.0.2", "203.0.113.200", "198.51.100.11"],
    ["10.0.0.3", "203.0.113.7", "198.51.100.15"],
    ["10.0.0.3", "203.0.113.200", "198.51.100.18"],
    ["10.0.0.3", "203.0.113.9", "198.51.100.18"],
  ])("%s to %s within 198.51.100.10-20: %s (hash of both addresses)", (src, dst, want) => {
    expect(pick(src, dst, "198.51.100.10", "198.51.100.20")).toBe(want);
  });

  it.each([
    ["10.0.0.2", "198.51.100.20"],
    ["10.0.0.3", "198.51.100.19"],
  ])("--persistent: %s maps to %s whatever the destination", (src, want) => {
    for (const dst of [SRV, "203.0.113.7", "203.0.113.200", "203.0.113.9"]) {
      expect(pick(src, dst, "198.51.100.10", "198.51.100.20", NatRangeFlag.PERSISTENT)).toBe(want);
    }
  });

  it.each([
    ["10.0.0.2", "192.0.2.140"],
    ["10.0.0.3", "192.0.3.46"],
    ["10.0.0.4", "192.0.3.255"],
    ["10.0.0.8", "192.0.3.0"],
    ["10.0.0.9", "192.0.2.231"],
    ["10.0.0.13", "192.0.3.209"],
  ])("%s within 192.0.2.0-192.0.3.255 (a /23): %s", (src, want) => {
    expect(pick(src, SRV, "192.0.2.0", "192.0.3.255")).toBe(want);
  });

  it("keeps the original tuple when its source already lies in the range and is free", () => {
    const space = new ScriptedSpace([1]);
    const orig = tuple(UDP, "198.51.100.15", 41000, SRV, 5000);
    const out = select(orig, range("198.51.100.10", "198.51.100.20"), Manip.SRC, space);
    expect(out.equals(orig)).toBe(true);
    expect(space.findSrcCalls).toBe(0);
  });
});
