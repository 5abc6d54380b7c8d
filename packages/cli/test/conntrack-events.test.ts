/**
 * `ctkit conntrack -E` against a real daemon: events stream while other
 * clients create, list and flush; the closing summary on SIGINT/SIGTERM;
 * expiry through the daemon's GC; and the error without a daemon.
 * Expected lines are conntrack-tools' output on Linux 6.18 for the same
 * commands (see the kernel's conntrack/listing.ts eventLine).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BufferIo, runCli } from "../dist/index.js";
import { repoRoot } from "./harness.js";
import { ctkitProcess, ctkitRun, RawClient, until } from "./stream-client.js";

const stateDir = mkdtempSync(join(tmpdir(), "ctkit-events-test-"));
/** What /proc/PID/stat names a `node …/main.js` process. */
const progname = basename(process.execPath).slice(0, 15);
const VERSION = "conntrack v1.4.7 (conntrack-tools)";

/** The seconds-left column of an event line (after protocol name and number). */
function secondsLeft(line: string): number {
  return Number(/^ *\[[A-Z]+\] +\S+ +\d+ (\d+) /.exec(line)?.[1]);
}
function secondsLeftAs(mark: string) {
  return (line: string) => line.replace(/^( *\[[A-Z]+\] +\S+ +\d+ )\d+ /, `$1${mark} `);
}

const UDP_NEW = (pid: number) =>
  `    [NEW] udp      17 30 src=10.0.0.1 dst=192.0.2.1 sport=1000 dport=53 [UNREPLIED] src=192.0.2.1 dst=10.0.0.1 sport=53 dport=1000 mark=0 [USERSPACE] portid=${pid} progname=${progname}`;

beforeAll(async () => {
  const r = await ctkitRun(stateDir, "up");
  expect(r.code).toBe(0);
}, 20000);

afterAll(async () => {
  await ctkitRun(stateDir, "down");
  rmSync(stateDir, { recursive: true, force: true });
}, 20000);

beforeEach(async () => {
  const r = await ctkitRun(stateDir, "conntrack", "-F");
  expect(r.code).toBe(0);
}, 20000);

describe("ctkit conntrack -E", () => {
  it("streams while other clients create, list and flush, and shows the flush's DESTROYs", async () => {
    const watch = new RawClient(stateDir, "conntrack", ["-E"]);
    await watch.streaming();
    const started = Date.now();
    const udp = await ctkitRun(
      stateDir,
      ...["conntrack", "-I", "-s", "10.0.0.1", "-d", "192.0.2.1", "-p", "udp"],
      ...["--sport", "1000", "--dport", "53", "-t", "30"],
    );
    expect(udp).toMatchObject({
      code: 0,
      stdout: "",
      stderr: `${VERSION}: 1 flow entries have been created.\n`,
    });
    const icmp = await ctkitRun(
      stateDir,
      ...["conntrack", "-I", "-s", "10.0.0.2", "-d", "192.0.2.1", "-p", "icmp"],
      ...["--icmp-type", "8", "--icmp-code", "0", "--icmp-id", "7", "-t", "60", "-m", "5"],
    );
    expect(icmp.code).toBe(0);
    // A listing runs while the stream is open, and sees both entries.
    const listed = await ctkitRun(stateDir, "conntrack", "-L");
    expect(listed.stderr).toBe(`${VERSION}: 2 flow entries have been shown.\n`);
    const flush = await ctkitRun(stateDir, "conntrack", "-F");
    expect(flush.stderr).toBe(`${VERSION}: connection tracking table has been emptied.\n`);
    await until(() => watch.outLines().length === 4, 5000, "four events");
    const lines = watch.outLines().map((l, i) => (i < 2 ? l : secondsLeftAs("T")(l)));
    expect(lines[0]).toBe(UDP_NEW(udp.pid));
    expect(lines[1]).toBe(
      `    [NEW] icmp     1 60 src=10.0.0.2 dst=192.0.2.1 type=8 code=0 id=7 [UNREPLIED] src=192.0.2.1 dst=10.0.0.2 type=0 code=0 id=7 mark=5 [USERSPACE] portid=${icmp.pid} progname=${progname}`,
    );
    // A flushed entry still had time left, so its DESTROY shows it (never a zero mark).
    expect(lines[2]).toBe(
      `[DESTROY] udp      17 T src=10.0.0.1 dst=192.0.2.1 sport=1000 dport=53 [UNREPLIED] src=192.0.2.1 dst=10.0.0.1 sport=53 dport=1000 [USERSPACE] portid=${flush.pid} progname=${progname}`,
    );
    expect(lines[3]).toBe(
      `[DESTROY] icmp     1 T src=10.0.0.2 dst=192.0.2.1 type=8 code=0 id=7 [UNREPLIED] src=192.0.2.1 dst=10.0.0.2 type=0 code=0 id=7 mark=5 [USERSPACE] portid=${flush.pid} progname=${progname}`,
    );
    // What was left when the flush came: less than given, by about the time the test took.
    const left = watch.outLines().slice(2).map(secondsLeft);
    expect(left[0]).toBeLessThan(30);
    expect(left[0]).toBeGreaterThan(30 - (Date.now() - started) / 1000 - 1);
    // The ICMP entry had 30 s more and came a little later (how much later
    // depends on how busy the machine is: at most the whole test's time).
    expect((left[1] as number) - (left[0] as number)).toBeGreaterThanOrEqual(30);
    expect((left[1] as number) - (left[0] as number)).toBeLessThanOrEqual(
      31 + (Date.now() - started) / 1000,
    );
    watch.interrupt();
    await watch.finished();
    expect(watch.err()).toBe(`${VERSION}: 4 flow events have been shown.\n`);
    expect(watch.exitCode()).toBe(0);
  });

  it("applies -e, -p, -s/-d and -o like conntrack-tools", async () => {
    const destroysOfIcmp = new RawClient(stateDir, "conntrack", [
      ...["-E", "-e", "DESTROY", "-p", "icmp"],
    ]);
    const fromNet = new RawClient(stateDir, "conntrack", ["-E", "-s", "10.1.0.0/16", "-e", "N"]);
    const stamped = new RawClient(stateDir, "conntrack", [
      ...["-E", "-d", "192.0.2.9", "-o", "timestamp,extended", "-e", "NEW"],
    ]);
    await Promise.all([destroysOfIcmp.streaming(), fromNet.streaming(), stamped.streaming()]);
    const before = Date.now() / 1000;
    const create = (src: string, dst: string, proto: string[]) =>
      ctkitRun(stateDir, "conntrack", "-I", "-s", src, "-d", dst, ...proto, "-t", "100");
    const a = await create("10.1.2.3", "192.0.2.9", ["-p", "udp", "--sport", "5", "--dport", "6"]);
    await create("10.2.0.1", "192.0.2.8", [
      "-p",
      "icmp",
      "--icmp-type",
      "8",
      "--icmp-code",
      "0",
      "--icmp-id",
      "1",
    ]);
    const other = await create("10.1.0.7", "192.0.2.8", ["-p", "99"]);
    const flush = await ctkitRun(stateDir, "conntrack", "-F");
    const after = Date.now() / 1000;
    await until(() => destroysOfIcmp.outLines().length === 1, 5000, "the ICMP DESTROY");
    await until(() => fromNet.outLines().length === 2, 5000, "two NEWs from 10.1/16");
    await until(() => stamped.outLines().length === 1, 5000, "one NEW to 192.0.2.9");
    expect(destroysOfIcmp.outLines().map(secondsLeftAs("T"))).toEqual([
      `[DESTROY] icmp     1 T src=10.2.0.1 dst=192.0.2.8 type=8 code=0 id=1 [UNREPLIED] src=192.0.2.8 dst=10.2.0.1 type=0 code=0 id=1 [USERSPACE] portid=${flush.pid} progname=${progname}`,
    ]);
    const by = (pid: number) => `[USERSPACE] portid=${pid} progname=${progname}`;
    expect(fromNet.outLines()).toEqual([
      `    [NEW] udp      17 100 src=10.1.2.3 dst=192.0.2.9 sport=5 dport=6 [UNREPLIED] src=192.0.2.9 dst=10.1.2.3 sport=6 dport=5 mark=0 ${by(a.pid)}`,
      `    [NEW] unknown  99 100 src=10.1.0.7 dst=192.0.2.8 [UNREPLIED] src=192.0.2.8 dst=10.1.0.7 mark=0 ${by(other.pid)}`,
    ]);
    const stampedLine = stamped.outLines()[0] as string;
    const m = /^\[(\d+)\.(\d{6})\]\t(.*)$/.exec(stampedLine);
    expect(m).not.toBeNull();
    const when = Number(`${m?.[1]}.${m?.[2]}`);
    expect(when).toBeGreaterThanOrEqual(Math.floor(before));
    expect(when).toBeLessThanOrEqual(after);
    expect(m?.[3]).toBe(
      `    [NEW] ipv4     2 udp      17 100 src=10.1.2.3 dst=192.0.2.9 sport=5 dport=6 [UNREPLIED] src=192.0.2.9 dst=10.1.2.3 sport=6 dport=5 mark=0 [USERSPACE] portid=${a.pid} progname=${progname}`,
    );
    for (const c of [destroysOfIcmp, fromNet, stamped]) c.interrupt();
    await Promise.all([destroysOfIcmp.finished(), fromNet.finished(), stamped.finished()]);
    expect(fromNet.err()).toBe(`${VERSION}: 2 flow events have been shown.\n`);
  });

  it("reports entries the daemon's GC expires, without a timeout", async () => {
    const watch = new RawClient(stateDir, "conntrack", ["-E", "-e", "DESTROY"]);
    await watch.streaming();
    const r = await ctkitRun(
      stateDir,
      ...["conntrack", "-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "udp"],
      ...["--sport", "1", "--dport", "2", "-t", "1", "-u", "ASSURED,SEEN_REPLY"],
    );
    expect(r.code).toBe(0);
    await until(() => watch.outLines().length === 1, 5000, "the expiry DESTROY");
    expect(watch.outLines()).toEqual([
      "[DESTROY] udp      17 src=10.9.0.1 dst=10.9.0.2 sport=1 dport=2 src=10.9.0.2 dst=10.9.0.1 sport=2 dport=1 [ASSURED]",
    ]);
    expect((await ctkitRun(stateDir, "conntrack", "-L")).stderr).toBe(
      `${VERSION}: 0 flow entries have been shown.\n`,
    );
    watch.interrupt();
    await watch.finished();
  });

  it("keeps serving after a watching client vanishes", async () => {
    const gone = new RawClient(stateDir, "conntrack", ["-E"]);
    await gone.streaming();
    gone.vanish();
    await gone.finished();
    const watch = new RawClient(stateDir, "conntrack", ["-E"]);
    await watch.streaming();
    const r = await ctkitRun(
      stateDir,
      ...["conntrack", "-I", "-s", "10.0.0.1", "-d", "192.0.2.1", "-p", "udp"],
      ...["--sport", "1000", "--dport", "53", "-t", "30"],
    );
    await until(() => watch.outLines().length === 1, 5000, "the NEW event");
    expect(watch.outLines()).toEqual([UDP_NEW(r.pid)]);
    watch.interrupt();
    await watch.finished();
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`ends on ${signal} with conntrack-tools' summary on stderr and exit 0`, async () => {
      const { child, done, stdout } = ctkitProcess(stateDir, "conntrack", "-E", "-p", "udp");
      // The client forwards signals once its stream is set up: create entries until one shows.
      for (let port = 2000; !stdout().includes("[NEW]") && port < 2020; port++) {
        await ctkitRun(
          stateDir,
          ...["conntrack", "-I", "-s", "10.5.0.1", "-d", "10.5.0.2", "-p", "udp"],
          ...["--sport", String(port), "--dport", "9", "-t", "30"],
        );
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(stdout()).toContain("[NEW]");
      const shown = stdout()
        .split("\n")
        .filter((l) => l !== "").length;
      child.kill(signal);
      const r = await done;
      expect(r.signal).toBeNull();
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(`${VERSION}: ${shown} flow events have been shown.\n`);
    });
  }

  it("refuses expectation events in one line", async () => {
    const r = await ctkitRun(stateDir, "conntrack", "-E", "expect");
    expect(r).toMatchObject({
      code: 1,
      stdout: "",
      stderr: "ctkit: conntrack -E expect: ctkit's kernel does not report expectation events yet\n",
    });
  });
});

describe("ctkit conntrack -E without a daemon", () => {
  it("says it needs 'ctkit up', in one line", async () => {
    const other = mkdtempSync(join(tmpdir(), "ctkit-events-nodaemon-"));
    const io = new BufferIo();
    const code = await runCli(["--state-dir", other, "conntrack", "-E"], io, {
      cwd: repoRoot,
      env: {},
    });
    expect(code).toBe(1);
    expect(io.stdout).toBe("");
    expect(io.stderr).toBe(
      `ctkit: no kernel is running for ${other} (start one with 'ctkit up')\n`,
    );
    rmSync(other, { recursive: true, force: true });
  });
});
