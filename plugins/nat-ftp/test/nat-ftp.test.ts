/**
 * nf_nat_ftp through a MASQUERADE router with both FTP modules loaded from
 * the workspace: two clients announcing the same data port (the second gets
 * another one, as nf_nat_exp_find_port does, and its data connection still
 * reaches it at the port it announced), and a fuzz of translated control
 * connections (nothing escapes, expectations stay bounded, sequence
 * adjustment stays consistent so the session keeps flowing).
 */
import { Kernel, resolveModulePath } from "@ctkit/kernel";
import { buildTcp } from "@ctkit/packet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const SRV = "198.51.100.2";
const WAN = "198.51.100.1";
const SYN = 0x02;
const ACK = 0x10;
const PSH_ACK = 0x18;

interface Sent {
  ifname: string;
  bytes: Uint8Array;
}

async function router() {
  let now = 1000;
  const k = new Kernel({ clock: () => now, modulePath: resolveModulePath({ env: {} }) });
  k.net.ip(["addr", "add", "10.0.0.1/24", "dev", "lan"]);
  k.net.ip(["addr", "add", `${WAN}/24`, "dev", "wan"]);
  k.sysctl.set("net.ipv4.ip_forward", "1");
  for (const r of [
    "-t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp",
    "-t nat -A POSTROUTING -o wan -j MASQUERADE",
  ])
    await k.xtables.apply(4, r.split(" "));
  await k.settle();
  const out: Sent[] = [];
  k.net.setTransmit((i, d, off, len) =>
    out.push({ ifname: k.net.deviceName(i), bytes: d.slice(off, off + len) }),
  );
  const feed = async (lan: boolean, p: Uint8Array) => {
    now += 0.01;
    k.receive(k.net.deviceIndex(lan ? "lan" : "wan"), p, 0, p.length, now);
    if (k.hasPending) await k.settle();
  };
  return { k, out, feed };
}

/** One FTP control connection from `client`:`sport`, keeping both sides' sequence numbers. */
class Control {
  seq = [1000, 50000];
  /** Bytes the server has received beyond what the client sent (the NAT rewrites). */
  grown = 0;
  constructor(
    readonly r: Awaited<ReturnType<typeof router>>,
    readonly client: string,
    readonly sport: number,
  ) {}

  seg(fromClient: boolean, flags: number, payload: string | Uint8Array = ""): Uint8Array {
    const me = fromClient ? 0 : 1;
    // The server numbers its acks in the stream it received (grown by NAT).
    const peer = (this.seq[1 - me] as number) + (fromClient ? 0 : this.grown);
    return buildTcp({
      src: fromClient ? this.client : SRV,
      dst: fromClient ? SRV : WAN,
      sport: fromClient ? this.sport : 21,
      dport: fromClient ? 21 : this.sport,
      seq: (this.seq[me] as number) + (fromClient ? 0 : 0),
      ack: flags & ACK ? peer >>> 0 : 0,
      flags,
      payload,
    });
  }

  async open(): Promise<void> {
    await this.r.feed(true, this.seg(true, SYN));
    this.seq[0] = 1001;
    await this.r.feed(false, this.seg(false, SYN | ACK));
    this.seq[1] = 50001;
    await this.r.feed(true, this.seg(true, ACK));
    await this.send(false, "220 ready\r\n");
    await this.send(true, "USER ftp\r\n");
  }

  /** Sends a segment; returns what left the router for it (undefined when dropped). */
  async send(fromClient: boolean, text: string | Uint8Array): Promise<Sent | undefined> {
    const before = this.r.out.length;
    const len = typeof text === "string" ? Buffer.byteLength(text) : text.length;
    await this.r.feed(fromClient, this.seg(fromClient, PSH_ACK, text));
    const me = fromClient ? 0 : 1;
    this.seq[me] = ((this.seq[me] as number) + len) >>> 0;
    const sent = this.r.out.slice(before).find((s) => s.ifname === (fromClient ? "wan" : "lan"));
    if (sent && fromClient) this.grown += sent.bytes.length - 40 - len;
    return sent;
  }
}

const payloadOf = (s: Sent | undefined) =>
  Buffer.from(s?.bytes.subarray(40) ?? []).toString("latin1");

describe("nf_nat_ftp", () => {
  it("moves a second client's PORT to another port when the first is taken", async () => {
    const r = await router();
    const a = new Control(r, "10.0.0.2", 40000);
    const b = new Control(r, "10.0.0.3", 40001);
    await a.open();
    await b.open();
    expect(r.k.modules.isLoaded("nf_nat_ftp")).toBe(true);
    expect(payloadOf(await a.send(true, "PORT 10,0,0,2,19,137\r\n"))).toBe(
      "PORT 198,51,100,1,19,137\r\n",
    );
    const moved = payloadOf(await b.send(true, "PORT 10,0,0,3,19,137\r\n"));
    const m = /^PORT 198,51,100,1,(\d+),(\d+)\r\n$/.exec(moved);
    expect(m).not.toBeNull();
    const port = Number(m?.[1]) * 256 + Number(m?.[2]);
    expect(port).not.toBe(5001);
    expect(port).toBeGreaterThan(5001);
    // The server connects to the moved port; the router sends it to b at the port b announced.
    const before = r.out.length;
    await r.feed(
      false,
      buildTcp({ src: SRV, dst: WAN, sport: 20, dport: port, seq: 1, flags: SYN }),
    );
    const syn = r.out[before];
    expect(syn?.ifname).toBe("lan");
    expect(Buffer.from(syn?.bytes.subarray(16, 20) ?? []).join(".")).toBe("10.0.0.3");
    expect(((syn?.bytes[22] as number) << 8) | (syn?.bytes[23] as number)).toBe(5001);
  });

  it("survives fuzzed translated control connections", async () => {
    const lines = [
      "PORT 10,0,0,2,19,137\r\n",
      "EPRT |1|10.0.0.2|5282|\r\n",
      "PORT 10,0,0,2,1,1\r\n",
      "NOOP\r\n",
      "227 Entering Passive Mode (198,51,100,2,195,110).\r\n",
      "229 Extended Passive (|||6446|)\r\n",
      "200 OK\r\n",
      "PORT 10,0,0,2,19\r\n",
      "EPRT |2|::1|5|\r\n",
      "227 (1,2,3\r\n",
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            fromClient: fc.boolean(),
            line: fc.constantFrom(...lines),
            cut: fc.nat(40),
            flip: fc.option(fc.tuple(fc.nat(60), fc.integer({ min: 0, max: 255 })), {
              nil: undefined,
            }),
          }),
          { maxLength: 25 },
        ),
        async (steps) => {
          const r = await router();
          const c = new Control(r, "10.0.0.2", 40000);
          await c.open();
          for (const s of steps) {
            const bytes = Buffer.from(s.line, "latin1");
            let p: Uint8Array =
              s.cut > 0 && s.cut < bytes.length ? bytes.subarray(0, s.cut) : bytes;
            if (s.flip) {
              p = Uint8Array.from(p);
              p[s.flip[0] % p.length] = s.flip[1];
            }
            await c.send(s.fromClient, p);
          }
          expect(r.k.taint.size).toBe(0);
          expect(r.k.conntrack.expectations.length).toBeLessThanOrEqual(1);
          // The session still flows both ways: seqadj kept seq/ack consistent.
          expect(payloadOf(await c.send(true, "QUIT\r\n"))).toBe("QUIT\r\n");
          expect(payloadOf(await c.send(false, "221 bye\r\n"))).toBe("221 bye\r\n");
        },
      ),
      { numRuns: 60 },
    );
  });
});
