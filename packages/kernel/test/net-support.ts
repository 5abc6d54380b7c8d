/**
 * Test plumbing for the router: a NetStack over fresh kernel parts, a
 * setup runner for `ip`/`sysctl` lines, the transmit log, and the
 * kernel-recorded fixture (fixtures/net/kernel-router.json, written by
 * fixtures/net/record.py on a real Linux router in network namespaces).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KernelLog } from "../src/log.js";
import { HookTable } from "../src/net/hooks.js";
import { NetStack } from "../src/net/stack.js";
import { SysctlTable } from "../src/sysctl.js";

export interface Sent {
  iface: string;
  hex: string;
  time: number;
}

export interface TestRouter {
  stack: NetStack;
  hooks: HookTable;
  sysctl: SysctlTable;
  sent: Sent[];
  /** Feeds a packet (hex) arriving on `iface` at `time`. */
  feed(iface: string, hex: string, time?: number): void;
  /** Runs setup lines: `ip ...` and `sysctl -w k=v`; other lines go to `other`. */
  setup(lines: readonly string[], other?: (line: string) => void): void;
}

export function makeRouter(): TestRouter {
  const sysctl = new SysctlTable();
  const hooks = new HookTable();
  const log = new KernelLog(() => 0);
  const sent: Sent[] = [];
  const stack = new NetStack({ sysctl, hooks, log });
  stack.setTransmit((ifindex, data, off, len, time) => {
    sent.push({
      iface: stack.deviceName(ifindex),
      hex: toHex(data.subarray(off, off + len)),
      time,
    });
  });
  return {
    stack,
    hooks,
    sysctl,
    sent,
    feed(iface, hex, time = 1000) {
      const idx = stack.deviceIndex(iface);
      if (idx < 0) throw new Error(`no interface ${iface}`);
      const bytes = fromHex(hex);
      stack.receive(idx, bytes, 0, bytes.length, time);
    },
    setup(lines, other) {
      for (const line of lines) {
        const words = line.split(/\s+/);
        if (words[0] === "ip") {
          const r = stack.ip(words.slice(1));
          if (r.status !== 0) throw new Error(`${line}: ${r.stderr}`);
        } else if (words[0] === "sysctl" && words[1] === "-w") {
          const [k, v] = (words[2] as string).split("=");
          sysctl.set(k as string, v as string);
        } else if (other) other(line);
        else throw new Error(`unsupported setup line: ${line}`);
      }
    },
  };
}

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

export interface FixturePacket {
  iface: string;
  t: number;
  hex: string;
}

export interface FixtureProbe {
  name: string;
  in: FixturePacket[];
  out: FixturePacket[];
}

export interface FixtureGroup {
  name: string;
  setup: string[];
  probes: FixtureProbe[];
}

export function kernelFixture(): { kernel: string; groups: FixtureGroup[] } {
  const file = fileURLToPath(new URL("./fixtures/net/kernel-router.json", import.meta.url));
  return JSON.parse(readFileSync(file, "utf8"));
}
