/**
 * ctkit replay end to end on the bundled routed example: what the router
 * sends on each interface, the final conntrack table, and the errors a
 * user gets for bad arguments.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildTcp,
  createPcapFile,
  formatIpv4,
  LinkType,
  openCapture,
  PacketDecoder,
} from "@ctkit/packet";
import { afterAll, describe, expect, it } from "vitest";
import { ctkit, replayExample, repoRoot } from "./harness.js";

const ex = join(repoRoot, "examples", "routed");
const out = mkdtempSync(join(tmpdir(), "ctkit-replay-test-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** One line per packet: addresses, protocol, TTL, and whether checksums are right. */
function summarize(file: string): string[] {
  const r = openCapture(readFileSync(file));
  const d = new PacketDecoder();
  const lines: string[] = [];
  while (r.next()) {
    d.decodeIp(r.bytes, r.dataOffset, r.capturedLength);
    const ip = d.ipv4;
    lines.push(
      `${formatIpv4(ip.source)}>${formatIpv4(ip.destination)} p${ip.protocol} ttl${ip.ttl} csum:${ip.verifyChecksum() ? "ok" : "BAD"}`,
    );
  }
  return lines;
}

describe("ctkit replay", () => {
  it("forwards what the stateful filter allows and answers TTL 1 with time exceeded", async () => {
    const r = await replayExample(ex, out);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `replayed 16 packets; sent 7 on lan (${join(out, "lan-out.pcap")}), 8 on wan (${join(out, "wan-out.pcap")})\n`,
    );
    const wan = summarize(join(out, "wan-out.pcap"));
    expect(wan).toHaveLength(8);
    expect(
      wan.every(
        (l) =>
          l.startsWith("10.0.0.2>198.51.100.10") && l.includes("ttl63") && l.endsWith("csum:ok"),
      ),
    ).toBe(true);
    const lan = summarize(join(out, "lan-out.pcap"));
    // Replies came back (TTL 63 -> 62); the stray UDP from the WAN did not.
    expect(
      lan.slice(0, 6).every((l) => l.startsWith("198.51.100.10>10.0.0.2") && l.includes("ttl62")),
    ).toBe(true);
    // The router's own ICMP time exceeded, from its LAN address with TTL 64.
    expect(lan[6]).toBe("10.0.0.1>10.0.0.2 p1 ttl64 csum:ok");
    const table = readFileSync(join(out, "conntrack.txt"), "utf8");
    expect(table).toContain(
      "tcp      6 119 TIME_WAIT src=10.0.0.2 dst=198.51.100.10 sport=40002 dport=80 src=198.51.100.10 dst=10.0.0.2 sport=80 dport=40002 [ASSURED] mark=0 use=1\n",
    );
    // The TTL-expired probe's connection never left the box: gone with its packet.
    expect(table).not.toContain("dport=33434");
    const events = readFileSync(join(out, "events.txt"), "utf8").split("\n");
    expect(events.filter((l) => l.includes("sport=40002")).map((l) => l.split(" src=")[0])).toEqual(
      [
        "    [NEW] tcp      6 120 SYN_SENT",
        " [UPDATE] tcp      6 60 SYN_RECV",
        " [UPDATE] tcp      6 432000 ESTABLISHED",
        " [UPDATE] tcp      6 120 FIN_WAIT",
        " [UPDATE] tcp      6 30 LAST_ACK",
        " [UPDATE] tcp      6 120 TIME_WAIT",
      ],
    );
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))).toMatchObject({
      packets: 16,
      sent: { lan: 7, wan: 8 },
      connections: 4,
    });
  });

  it("--trace shows each packet's hooks and verdicts", async () => {
    const r = await replayExample(ex, out, "--trace");
    expect(r.stdout).toContain(
      "#13 1700000000.013000 wan in: UDP 198.51.100.10.53 > 10.0.0.2.40099 len 5 ttl 63\n",
    );
    expect(r.stdout).toMatch(
      /#13 [^\n]*\n {4}ipv4 PREROUTING conntrack_in: ACCEPT ct=\d+ ctinfo=2\n {4}ipv4 FORWARD iptable_filter: DROP/,
    );
  });

  it("loads a helper on demand for a CT rule; the rule and the connection hold it", async () => {
    const dir = mkdtempSync(join(out, "helper-"));
    writeFileSync(
      join(dir, "setup"),
      "ip addr add 10.0.0.1/24 dev lan\nip addr add 198.51.100.1/24 dev wan\nsysctl -w net.ipv4.ip_forward=1\niptables -t raw -A PREROUTING -p tcp --dport 9999 -j CT --helper sample\n",
    );
    const w = createPcapFile(join(dir, "lan.pcap"), { linkType: LinkType.RAW });
    w.writePacket(
      1,
      0,
      buildTcp({
        src: "10.0.0.2",
        dst: "198.51.100.9",
        sport: 1000,
        dport: 9999,
        seq: 1,
        flags: 0x02,
      }),
    );
    w.close();
    const r = await ctkit(
      "--module-dir",
      join(repoRoot, "examples"),
      "replay",
      join(dir, "setup"),
      "--in",
      `lan=${join(dir, "lan.pcap")}`,
      "--out-dir",
      dir,
    );
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "conntrack.txt"), "utf8")).toContain(
      "SYN_SENT src=10.0.0.2 dst=198.51.100.9 sport=1000 dport=9999 [UNREPLIED]",
    );
    expect(readFileSync(join(dir, "conntrack.txt"), "utf8")).toContain(" helper=sample use=1\n");
    const lsmod = readFileSync(join(dir, "lsmod.txt"), "utf8").split("\n");
    expect(lsmod[1]).toMatch(/^nf_conntrack_sample +\d+ {2}2$/);
    expect(lsmod[2]).toMatch(/^nf_conntrack +\d+ {2}2 nf_conntrack_sample$/);
    expect(readFileSync(join(dir, "iptables.txt"), "utf8")).toContain(
      "    pkts      bytes target     prot opt in     out     source               destination         ",
    );
  });

  it("refuses bad arguments and set-up lines with one clear line", async () => {
    expect((await ctkit("replay", join(ex, "setup"), "--out-dir", out)).stderr).toBe(
      "ctkit replay: give at least one --in IF=FILE\n",
    );
    expect((await ctkit("replay", join(ex, "setup"), "--in", "lan", "--out-dir", out)).stderr).toBe(
      "ctkit replay: --in 'lan': expected IF=FILE, e.g. --in lan=lan-in.pcap\n",
    );
    expect(
      (
        await ctkit(
          "replay",
          join(ex, "setup"),
          "--in",
          `dmz=${join(ex, "lan-in.pcap")}`,
          "--out-dir",
          out,
        )
      ).stderr,
    ).toBe(
      "ctkit replay: --in dmz: SETUP gives no interface 'dmz' (add 'ip addr add ADDR/LEN dev dmz')\n",
    );
    const bad = join(out, "bad.setup");
    writeFileSync(bad, "ip addr add 10.0.0.1/24 dev lan\niptables -A FORWARD -j FROB\n");
    const r = await ctkit(
      "replay",
      bad,
      "--in",
      `lan=${join(ex, "lan-in.pcap")}`,
      "--out-dir",
      out,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ctkit: ${bad}:2: .+\\n$`));
    writeFileSync(bad, "rm -rf /\n");
    expect(
      (await ctkit("replay", bad, "--in", `lan=${join(ex, "lan-in.pcap")}`, "--out-dir", out))
        .stderr,
    ).toMatch(/^ctkit: .*bad\.setup:1: unknown command 'rm'/);
    const corrupt = join(out, "corrupt.pcap");
    writeFileSync(corrupt, readFileSync(join(ex, "lan-in.pcap")).subarray(0, 50));
    const c = await ctkit("replay", join(ex, "setup"), "--in", `lan=${corrupt}`, "--out-dir", out);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/^ctkit replay: .*corrupt\.pcap: .*offset \d+/);
  });
});
