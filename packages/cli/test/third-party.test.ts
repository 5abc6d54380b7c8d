/**
 * A third-party helper made by `ctkit new-helper` in a directory outside the
 * workspace: its own test passes, depmod indexes it, modprobe loads it.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kernel, readIndex } from "@ctkit/kernel";
import { afterAll, describe, expect, it } from "vitest";
import { BufferIo, executeInKernel, findCommand, runCli } from "../dist/index.js";
import { repoRoot } from "./harness.js";

const outside = mkdtempSync(join(tmpdir(), "ctkit-third-party-"));
const stateDir = join(outside, "state");
const pkg = join(outside, "ctkit-helper-acme");

afterAll(() => rmSync(outside, { recursive: true, force: true }));

async function ctkit(...argv: string[]) {
  const io = new BufferIo();
  const code = await runCli(["--state-dir", stateDir, ...argv], io, { cwd: outside, env: {} });
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe("ctkit new-helper", () => {
  it("scaffolds a package and refuses bad names or an existing directory", async () => {
    expect(await ctkit("new-helper", "acme", "--dir", outside, "--port", "7000")).toEqual({
      code: 0,
      stdout: `created ${pkg} (module nf_conntrack_acme)\nnext: cd ${pkg} && npm install && npm test; then ctkit depmod --module-dir ${outside}\n`,
      stderr: "",
    });
    expect((await ctkit("new-helper", "acme", "--dir", outside)).stderr).toBe(
      `ctkit new-helper: ${pkg} already exists; choose another --dir or remove it\n`,
    );
    expect((await ctkit("new-helper", "../evil")).stderr).toContain("invalid name '../evil'");
    expect((await ctkit("new-helper", "x", "--port", "0")).stderr).toContain("invalid --port '0'");
    const meta = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
    expect(meta.ctkit.module).toBe("nf_conntrack_acme");
    expect(meta.ctkit.params.ports.default).toEqual([7000]);
  });

  it("passes its own test with the helper kit (as after npm install)", () => {
    // What `npm install` would give it: the helper kit (file: dependency) and vitest.
    mkdirSync(join(pkg, "node_modules", "@ctkit"), { recursive: true });
    symlinkSync(
      join(repoRoot, "packages", "helper-kit"),
      join(pkg, "node_modules", "@ctkit", "helper-kit"),
    );
    symlinkSync(join(repoRoot, "node_modules", "vitest"), join(pkg, "node_modules", "vitest"));
    const r = spawnSync(
      process.execPath,
      [join(pkg, "node_modules", "vitest", "vitest.mjs"), "run"],
      {
        cwd: pkg,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      },
    );
    expect(r.stdout + r.stderr).toMatch(/Tests\s+3 passed \(3\)/);
    expect(r.status).toBe(0);
  });

  it("is indexed by depmod --module-dir and loaded by modprobe, which remembers the directory", async () => {
    expect(await ctkit("depmod", "--module-dir", outside)).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    const index = readIndex(join(stateDir, "modules.index.json"));
    expect(index?.modules.map((m) => m.name)).toContain("nf_conntrack_acme");
    expect((await ctkit("modinfo", "-n", "nf_conntrack_acme")).stdout).toBe(
      `${join(pkg, "src", "index.js")}\n`,
    );

    // A kernel that knows nothing but the state dir finds it through the index.
    const kernel = new Kernel({});
    const io = new BufferIo();
    const env = {
      cwd: outside,
      stateDir,
      moduleDirs: [],
      configPaths: [],
      envModulePath: "",
      json: false,
    };
    const code = await executeInKernel(
      kernel,
      findCommand("modprobe") as never,
      ["-v", "nfct-helper-acme", "ports=7000,7001"],
      env,
      io,
    );
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    expect(io.stdout).toContain(`insmod ${join(pkg, "src", "index.js")} ports=7000,7001\n`);
    expect(kernel.helpers.list().map((h) => h.spec.name)).toEqual(["acme", "acme-7001"]);
    expect(kernel.taint.letters).toBe("O");
  });

  it("is seen by modinfo through a package path too", async () => {
    const r = await ctkit("modinfo", pkg);
    expect(r.stdout).toContain("name:           nf_conntrack_acme\n");
  });
});
