/**
 * Golden output of the kmod-shaped commands: what lsmod, modinfo, modprobe
 * and rmmod print, byte for byte, including kmod's trailing spaces.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { examplesDir, repoRoot, Session } from "./harness.js";

const core = (name: string) => join(repoRoot, "packages", "kernel", "dist", "core", `${name}.js`);
const sampleEntry = join(examplesDir, "sample-helper", "src", "index.js");
const size = (file: string) => statSync(file).size;

let s: Session;
beforeEach(() => {
  s = new Session();
});
afterEach(() => s.dispose());

describe("lsmod", () => {
  it("prints kmod's header and rows, newest first, holders comma-joined", async () => {
    await s.run("modprobe nf_conntrack");
    await s.run("modprobe nf_nat");
    await s.run("modprobe nf_conntrack_sample");
    const r = await s.run("lsmod");
    expect(r.code).toBe(0);
    const pad = (n: number) => String(n).padStart(8);
    expect(r.stdout).toBe(
      "Module                  Size  Used by\n" +
        `nf_conntrack_sample ${pad(size(sampleEntry))}  0\n` +
        `nf_nat              ${pad(size(core("nf_nat")))}  0\n` +
        `nf_conntrack        ${pad(size(core("nf_conntrack")))}  2 nf_conntrack_sample,nf_nat\n`,
    );
  });

  it("refuses arguments like kmod", async () => {
    expect(await s.run("lsmod x")).toEqual({ code: 1, stdout: "", stderr: "Usage: lsmod\n" });
  });

  it("gives refcounts, holders and taint as JSON", async () => {
    await s.run("modprobe nf_conntrack_sample");
    const j = JSON.parse((await s.run("lsmod", true)).stdout);
    expect(j.taintFlags).toBe("O");
    expect(
      j.modules.map((m: { name: string; refcnt: number; usedBy: string[]; taints: string }) => [
        m.name,
        m.refcnt,
        m.usedBy,
        m.taints,
      ]),
    ).toEqual([
      ["nf_conntrack_sample", 0, [], "O"],
      ["nf_conntrack", 1, ["nf_conntrack_sample"], ""],
    ]);
  });
});

describe("modinfo", () => {
  it("prints a core module with padded keys and parm lines", async () => {
    const r = await s.run("modinfo nf_conntrack");
    expect(r.stdout).toBe(
      [
        `filename:       ${core("nf_conntrack")}`,
        "alias:          ip_conntrack",
        "alias:          nf_conntrack-2",
        "alias:          nf_conntrack-10",
        "description:    IPv4 and IPv6 connection tracking",
        "license:        GPL",
        "version:        1.0.0",
        "depends:        ",
        "intree:         Y",
        "name:           nf_conntrack",
        "vermagic:       =1.0.0",
        "parm:           hashsize:uint",
        "parm:           expect_hashsize:uint",
        "parm:           acct:Enable connection tracking flow accounting. (bool)",
        "parm:           tstamp:Enable connection tracking flow timestamping. (bool)",
        "parm:           nf_conntrack_helper:Enable automatic conntrack helper assignment (default 0) (bool)",
        "",
      ].join("\n"),
    );
  });

  it("-F prints bare values; -F parm uses the ': (type)' form; -0 separates with NUL", async () => {
    expect((await s.run("modinfo -F alias nf_conntrack")).stdout).toBe(
      "ip_conntrack\nnf_conntrack-2\nnf_conntrack-10\n",
    );
    expect((await s.run("modinfo -p nf_conntrack")).stdout.split("\n").slice(0, 2)).toEqual([
      "hashsize: (uint)",
      "expect_hashsize: (uint)",
    ]);
    expect((await s.run("modinfo -F nosuchfield nf_conntrack")).stdout).toBe("");
    const z = (await s.run("modinfo -0 nf_nat")).stdout;
    expect(z.split("\0").slice(0, 3)).toEqual([
      `filename:       ${core("nf_nat")}`,
      "alias=nf-nat",
      "alias=ip_nat",
    ]);
  });

  it("resolves aliases and marks third-party modules as not in-tree", async () => {
    const r = await s.run("modinfo nfct-helper-sample");
    expect(r.stdout).toContain(`filename:       ${sampleEntry}\n`);
    expect(r.stdout).toContain(
      "parm:           ports:Port numbers of sample servers (array of ushort)\n",
    );
    expect(r.stdout).not.toContain("intree:");
  });

  it("fails with kmod's words for an unknown module and carries on with the next", async () => {
    const r = await s.run("modinfo nosuch nf_nat");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("modinfo: ERROR: Module nosuch not found.\n");
    expect(r.stdout).toContain("name:           nf_nat\n");
    expect(await s.run("modinfo")).toEqual({
      code: 1,
      stdout: "",
      stderr: "modinfo: ERROR: missing module or filename.\n",
    });
  });
});

describe("modprobe", () => {
  it("-v prints insmod lines in load order; config-only options keep kmod's trailing space", async () => {
    const r = await s.run("modprobe -v nf_nat");
    expect(r).toEqual({
      code: 0,
      stderr: "",
      stdout: `insmod ${core("nf_conntrack")} \ninsmod ${core("nf_nat")} \n`,
    });
    expect((await s.run("modprobe -v nf_nat")).stdout).toBe("");
  });

  it("--show-depends lists everything, loaded or not; -n loads nothing", async () => {
    await s.run("modprobe nf_conntrack");
    expect((await s.run("modprobe -D nfct-helper-sample ports=1")).stdout).toBe(
      `insmod ${core("nf_conntrack")} \ninsmod ${sampleEntry} ports=1\n`,
    );
    expect((await s.run("modprobe -n -v nf_nat")).stdout).toBe(`insmod ${core("nf_nat")} \n`);
    expect(s.kernel.modules.isLoaded("nf_nat")).toBe(false);
  });

  it("reports a missing module, a bad name and a bad parameter as kmod does", async () => {
    const dirs = s.kernel.modules.modulePath.map((d) => d.path).join(":");
    expect(await s.run("modprobe nosuch")).toEqual({
      code: 1,
      stdout: "",
      stderr: `modprobe: FATAL: Module nosuch not found in directory ${dirs}\n`,
    });
    expect((await s.run("modprobe ../../etc/passwd")).stderr).toBe(
      "modprobe: FATAL: invalid module name '../../etc/passwd': a module name is never a path\n",
    );
    expect((await s.run("modprobe nf_conntrack hashsize=lots")).stderr).toBe(
      "modprobe: ERROR: could not insert 'nf_conntrack': Invalid argument\n",
    );
    expect((await s.run("modprobe nf_conntrack_sample bogus=1")).stderr).toBe(
      "modprobe: ERROR: could not insert 'nf_conntrack_sample': Unknown symbol in module, or unknown parameter (see dmesg)\n",
    );
    expect((await s.run("modprobe nf_conntrack_sample ports=70000")).stderr).toBe(
      "modprobe: ERROR: could not insert 'nf_conntrack_sample': Numerical result out of range\n",
    );
    // Nothing stayed loaded from the failed attempts, not even nf_conntrack.
    expect(s.kernel.modules.list()).toEqual([]);
    const dmesg = (await s.run("dmesg")).stdout;
    expect(dmesg).toContain("nf_conntrack: `lots' invalid for parameter `hashsize'");
    expect(dmesg).toContain("nf_conntrack_sample: Unknown parameter `bogus'");
    expect(await s.run("modprobe")).toEqual({
      code: 1,
      stdout: "",
      stderr: "modprobe: ERROR: missing parameters. See -h.\n",
    });
  });

  it("-q silences messages but keeps the exit status", async () => {
    expect(await s.run("modprobe -q nosuch")).toEqual({ code: 1, stdout: "", stderr: "" });
  });

  it("is silent for a module already loaded, but --first-time fails", async () => {
    await s.run("modprobe nf_conntrack");
    expect(await s.run("modprobe nf_conntrack hashsize=5")).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    expect((await s.run("modprobe --first-time nf_conntrack")).stderr).toBe(
      "modprobe: ERROR: could not insert 'nf_conntrack': Module already in kernel\n",
    );
  });

  it("-r removes unused dependencies, refuses modules in use, and is silent for absent ones", async () => {
    await s.run("modprobe nf_conntrack_sample");
    await s.run("modprobe nf_nat");
    expect((await s.run("modprobe -r -v nf_conntrack_sample")).stdout).toBe(
      "rmmod nf_conntrack_sample\n",
    );
    expect(s.kernel.modules.isLoaded("nf_conntrack")).toBe(true);
    expect((await s.run("modprobe -r nf_conntrack")).stderr).toBe(
      "modprobe: FATAL: Module nf_conntrack is in use.\n",
    );
    expect((await s.run("modprobe -r -v nf_nat")).stdout).toBe(
      "rmmod nf_nat\nrmmod nf_conntrack\n",
    );
    expect(await s.run("modprobe -r nf_nat")).toEqual({ code: 0, stdout: "", stderr: "" });
    expect((await s.run("modprobe -r --first-time nf_nat")).stderr).toBe(
      "modprobe: FATAL: Module nf_nat is not in kernel.\n",
    );
    expect((await s.run("modprobe -r nosuch")).stderr).toBe(
      "modprobe: FATAL: Module nosuch not found.\n",
    );
  });

  it("-R resolves aliases; -c shows config and module aliases", async () => {
    expect((await s.run("modprobe -R nfct-helper-sample")).stdout).toBe("nf_conntrack_sample\n");
    expect((await s.run("modprobe -R nf-nat")).stdout).toBe("nf_nat\n");
    const c = (await s.run("modprobe -c")).stdout;
    expect(c).toContain("# End of configuration files. Dumping indexes now:\n");
    expect(c).toContain("alias nfct_helper_sample nf_conntrack_sample\n");
  });

  it("rejects unknown options with glibc's getopt words", async () => {
    expect((await s.run("modprobe --bogus x")).stderr).toBe(
      "modprobe: unrecognized option '--bogus'\n",
    );
    expect((await s.run("modprobe -z x")).stderr).toBe("modprobe: invalid option -- 'z'\n");
  });
});

describe("rmmod", () => {
  it("names the holders, refuses references, and -f forces with a taint", async () => {
    await s.run("modprobe nf_nat");
    expect(await s.run("rmmod nf_conntrack")).toEqual({
      code: 1,
      stdout: "",
      stderr: "rmmod: ERROR: Module nf_conntrack is in use by: nf_nat\n",
    });
    expect((await s.run("rmmod -f nf_conntrack")).stderr).toBe(
      "rmmod: ERROR: Module nf_conntrack is in use by: nf_nat\n",
    );
    const mod = s.kernel.modules.find("nf_nat");
    expect(mod && s.kernel.modules.tryGet(mod)).toBe(true);
    expect((await s.run("rmmod nf_nat")).stderr).toBe("rmmod: ERROR: Module nf_nat is in use\n");
    expect(await s.run("rmmod -f nf_nat")).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(s.kernel.taint.letters).toBe("R");
    expect((await s.run("rmmod nf_nat")).stderr).toBe(
      "rmmod: ERROR: Module nf_nat is not currently loaded\n",
    );
    expect(await s.run("rmmod")).toEqual({
      code: 1,
      stdout: "",
      stderr: "rmmod: ERROR: missing module name.\n",
    });
  });
});

describe("sysctl and param", () => {
  it("reads and writes like procps sysctl", async () => {
    await s.run("modprobe nf_conntrack hashsize=32768");
    expect((await s.run("sysctl net.netfilter.nf_conntrack_max")).stdout).toBe(
      "net.netfilter.nf_conntrack_max = 262144\n",
    );
    expect((await s.run("sysctl -w net.ipv4.ip_forward=1")).stdout).toBe(
      "net.ipv4.ip_forward = 1\n",
    );
    expect((await s.run("sysctl -n net/ipv4/ip_forward")).stdout).toBe("1\n");
    expect(await s.run("sysctl net.nosuch")).toEqual({
      code: 1,
      stdout: "",
      stderr: "sysctl: cannot stat /proc/sys/net/nosuch: No such file or directory\n",
    });
    expect((await s.run("sysctl -w net.ipv4.ip_forward=abc")).stderr).toBe(
      'sysctl: setting key "net.ipv4.ip_forward": Invalid argument\n',
    );
    expect((await s.run("sysctl -w net.netfilter.nf_conntrack_count=5")).stderr).toBe(
      'sysctl: setting key "net.netfilter.nf_conntrack_count": Invalid argument\n',
    );
  });

  it("changes writable module parameters and refuses read-only ones", async () => {
    await s.run("modprobe nf_conntrack_sample");
    expect((await s.run("param set nf_conntrack_sample max_line 64")).code).toBe(0);
    expect((await s.run("param get nf_conntrack_sample max_line")).stdout).toBe("64\n");
    expect((await s.run("param set nf_conntrack_sample ports 1")).stderr).toBe(
      "ctkit param: nf_conntrack_sample: parameter ports is read-only (perm 0400)\n",
    );
    expect((await s.run("param set nf_conntrack_sample max_line -3")).stderr).toBe(
      "ctkit param: nf_conntrack_sample: `-3' invalid for parameter `max_line'\n",
    );
    expect((await s.run("param list nf_conntrack_sample")).stdout).toBe(
      "ports = 9999\nmax_line = 64\n",
    );
    expect((await s.run("param get nf_nat x")).stderr).toBe(
      "ctkit param: Module nf_nat is not currently loaded\n",
    );
  });
});
