/**
 * conntrack's command line as conntrack-tools 1.4.7 reads it: every
 * message below is what the real `conntrack` printed for the same
 * arguments (in a network namespace on Linux 6.18), and -I creates what
 * the kernel's ctnetlink would.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Session } from "./harness.js";

const V = "conntrack v1.4.7 (conntrack-tools)";
const TRY = "Try `conntrack -h' or 'conntrack --help' for more information.\n";

let s: Session;
beforeEach(() => {
  s = new Session();
});
afterEach(() => s.dispose());

const UDP = "-s 1.1.1.1 -d 2.2.2.2 -p udp --sport 1 --dport 2";

describe("conntrack command line", () => {
  it.each([
    ["-E -t 5", "Illegal option `--timeout' with this command"],
    ["-L -t 5", "Illegal option `--timeout' with this command"],
    ["-F -s 1.1.1.1", "Illegal option `--src' with this command"],
    ["-E expect -p tcp", "Illegal option `--protonum' with this command"],
    [`-I ${UDP}`, "You need to supply the `--timeout' option for this command"],
    ["-I -s 1.1.1.1 -d 2.2.2.2 -t 5 --sport 1", "unknown option `--sport'"],
    ["-I -s 1.1.1.1 -p udp --sport 1 --dport 2 -t 5", "you have to specify `--src' and `--dst'"],
    ["-I -s 1.1.1.1 -d 2.2.2.2 -p udp -t 5", "you have to specify `--sport' and `--dport'"],
    [
      "-I -s 1.1.1.1 -d 2.2.2.2 -p icmp -t 5 --icmp-type 8",
      "You need to supply the `--icmp-code' option for this command",
    ],
    [
      "-I -s 1.1.1.1 -d 2.2.2.2 -p tcp -t 5 --sport 1 --dport 2",
      "You need to supply the `--state' option for this command",
    ],
    ["-I -s 1.1.1.1 -d ::1 -p udp -t 5 --sport 1 --dport 2", "mismatched address family"],
    ["-E -e BOGUS", "Bad parameter `BOGUS'"],
    ["-E -e new,bogus", "Bad parameter `bogus'"],
    ["-E -p bogus", "`bogus' unsupported protocol"],
    ["-L -p 256", "`256' unsupported protocol"],
    ["-E -s 10.0.0.0/33", "Invalid netmask"],
    ["-E -r 10.0.0.0/8", "CIDR notation unavailable for `--reply-src'"],
    ["-E -o bogus", "Bad parameter `bogus'"],
    ["-E -f inet", "`inet' unsupported protocol"],
    ["-E bogus", "unknown type `bogus'"],
    ["-E -p tcp --state BOGUS", "unknown TCP state `BOGUS'"],
    ["-E --event", "Invalid commands combination"],
    ["-X", "unknown option `-X'"],
    ["-E -s", "option `-s' requires an argument"],
    ["-s 1.2.3.4", "Illegal option `--src' with this command"],
  ])("conntrack %s", async (args, message) => {
    expect(await s.run(`conntrack ${args}`)).toEqual({
      code: 2,
      stdout: "",
      stderr: `${V}: ${message}\n${TRY}`,
    });
  });

  it("prints its usage when given no command", async () => {
    const r = await s.run("conntrack");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("Usage: ctkit conntrack [commands] [options]");
  });

  it("warns as conntrack-tools does when an -e word is a prefix of SRC_NAT/DST_NAT", async () => {
    const r = await s.run("conntrack -E -e D");
    expect(r.stderr.split("\n")[0]).toBe("WARNING: ignoring DST_NAT, use --dst-nat instead");
  });

  it("-E outside a daemon and -E expect are refused in one line", async () => {
    expect(await s.run("conntrack -E")).toEqual({
      code: 1,
      stdout: "",
      stderr: "ctkit: conntrack -E streams from a running kernel: start one with 'ctkit up'\n",
    });
    expect((await s.run("conntrack -E expect")).stderr).toBe(
      "ctkit: conntrack -E expect: ctkit's kernel does not report expectation events yet\n",
    );
  });
});

describe("conntrack -I", () => {
  it("creates entries as ctnetlink does, and refuses what the kernel refuses", async () => {
    expect(await s.run(`conntrack -I ${UDP} -t 30 -u SEEN_REPLY,ASSURED -m 3`)).toEqual({
      code: 0,
      stdout: "",
      stderr: `${V}: 1 flow entries have been created.\n`,
    });
    const again = await s.run(`conntrack -I ${UDP} -t 30`);
    expect(again).toEqual({
      code: 1,
      stdout: "",
      stderr: `${V}: Operation failed: Such conntrack exists, try -U to update\n`,
    });
    // The reply tuple is taken too: the same flow seen from the other side.
    expect(
      (await s.run("conntrack -I -s 2.2.2.2 -d 1.1.1.1 -p udp --sport 2 --dport 1 -t 5")).stderr,
    ).toBe(`${V}: Operation failed: Such conntrack exists, try -U to update\n`);
    const failed = (args: string) => s.run(`conntrack -I ${args}`).then((r) => r.stderr);
    expect(
      await failed("-s 1.1.1.1 -d 2.2.2.2 -p icmp -t 5 --icmp-type 3 --icmp-code 0 --icmp-id 1"),
    ).toBe(`${V}: Operation failed: invalid parameters\n`);
    expect(await failed("-s 1.1.1.1 -d 2.2.2.2 -p udp --sport 6 --dport 2 -t 5 -u EXPECTED")).toBe(
      `${V}: Operation failed: Device or resource busy\n`,
    );
    expect(
      await failed("-s 1.1.1.1 -d 2.2.2.2 -p udp --sport 5 --dport 2 -t 5 -r 3.3.3.3 -q 1.1.1.1"),
    ).toBe(`${V}: Operation failed: invalid parameters\n`);
    // atol/htons: out-of-range ports wrap, a non-number timeout is 0 (created, already expired).
    expect(
      (await s.run("conntrack -I -s 1.1.1.1 -d 2.2.2.2 -p udp --sport 9 --dport 99999 -t 5")).code,
    ).toBe(0);
    expect(
      (await s.run("conntrack -I -s 1.1.1.1 -d 2.2.2.2 -p udp --sport 8 --dport 2 -t abc")).code,
    ).toBe(0);
    expect(
      (
        await s.run(
          "conntrack -I -s 1.1.1.1 -d 2.2.2.2 -p icmp -t 5 --icmp-type 8 --icmp-code 0 --icmp-id 9",
        )
      ).code,
    ).toBe(0);
    expect((await s.run("conntrack -I -s 10.0.0.1 -d 10.0.0.2 -p 99 -t 5")).code).toBe(0);
    const listed = await s.run("conntrack -L");
    expect(listed.stdout.replace(/ (30|29|5|4) /g, " T ").split("\n")).toEqual([
      "udp      17 T src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1 [ASSURED] mark=3 use=1",
      "udp      17 T src=1.1.1.1 dst=2.2.2.2 sport=9 dport=34463 [UNREPLIED] src=2.2.2.2 dst=1.1.1.1 sport=34463 dport=9 mark=0 use=1",
      "icmp     1 T src=1.1.1.1 dst=2.2.2.2 type=8 code=0 id=9 [UNREPLIED] src=2.2.2.2 dst=1.1.1.1 type=0 code=0 id=9 mark=0 use=1",
      "unknown  99 T src=10.0.0.1 dst=10.0.0.2 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 mark=0 use=1",
      "",
    ]);
    expect(listed.stderr).toBe(`${V}: 4 flow entries have been shown.\n`);
    // ctnetlink needs nf_conntrack: creating an entry loaded it.
    expect(s.kernel.modules.isLoaded("nf_conntrack")).toBe(true);
  });

  it("filters listings like conntrack-tools", async () => {
    await s.run(`conntrack -I ${UDP} -t 30 -m 3`);
    await s.run("conntrack -I -s 10.1.0.1 -d 2.2.2.2 -p udp --sport 1 --dport 53 -t 30");
    await s.run("conntrack -I -s fd00::1 -d fd00::2 -p udp --sport 1 --dport 53 -t 30");
    const shown = async (args: string) =>
      (await s.run(`conntrack -L ${args}`)).stdout
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => /src=(\S+)/.exec(l)?.[1]);
    expect(await shown("-s 10.0.0.0/8")).toEqual(["10.1.0.1"]);
    expect(await shown("-p udp --dport 53")).toEqual(["10.1.0.1", "fd00::1"]);
    expect(await shown("-f ipv6")).toEqual(["fd00::1"]);
    expect(await shown("-m 3")).toEqual(["1.1.1.1"]);
    expect(await shown("-r 2.2.2.2")).toEqual(["1.1.1.1", "10.1.0.1"]);
    expect(await shown("-p icmp")).toEqual([]);
  });

  it("refuses TCP entries it cannot give a tracking state to", async () => {
    expect(
      await s.run(
        `conntrack -I -s 1.1.1.1 -d 2.2.2.2 -p tcp --sport 1 --dport 2 --state ESTABLISHED -t 5`,
      ),
    ).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "ctkit: conntrack -I -p tcp: ctkit's kernel cannot take a TCP state from userspace yet\n",
    });
  });
});
