/**
 * `ip` against iproute2: a transcript of commands recorded on a real Linux
 * namespace (fixtures/net/ip-transcript.json, by record-ip.py) replayed on
 * a fresh stack. Exit status, stderr and stdout must match; for `addr
 * show` only the address lines are compared, because link headers name
 * the recorder's veth devices. Then what ctkit does differently on
 * purpose, and the options it refuses.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { makeRouter } from "./net-support.js";

interface Step {
  cmd: string;
  status: number;
  stdout: string;
  stderr: string;
}

const file = fileURLToPath(new URL("./fixtures/net/ip-transcript.json", import.meta.url));
const recorded: { iproute2: string; transcript: Step[] } = JSON.parse(readFileSync(file, "utf8"));

const addressLines = (text: string) =>
  text
    .split("\n")
    .filter((l) => /^ {4}inet|^ {7}valid_lft/.test(l))
    .join("\n");

describe(`ip vs ${recorded.iproute2}`, () => {
  const r = makeRouter();
  for (const [i, step] of recorded.transcript.entries()) {
    it(`${i}: ip ${step.cmd}`, () => {
      const got = r.stack.ip(step.cmd.split(" "));
      expect({ status: got.status, stderr: got.stderr }).toEqual({
        status: step.status,
        stderr: step.stderr,
      });
      if (/^(-[46] )?(a|addr) show/.test(step.cmd)) {
        expect(addressLines(got.stdout)).toBe(addressLines(step.stdout));
      } else {
        expect(got.stdout).toBe(step.stdout);
      }
    });
  }
});

describe("ip, ctkit's own rules", () => {
  it("creates a device when an address names it, with indexes from 2", () => {
    const r = makeRouter();
    expect(r.stack.ip(["addr", "add", "192.0.2.1/24", "dev", "wan"]).status).toBe(0);
    expect(r.stack.ip(["addr", "add", "10.0.0.1/8", "dev", "lan"]).status).toBe(0);
    expect(r.stack.deviceIndex("wan")).toBe(2);
    expect(r.stack.deviceIndex("lan")).toBe(3);
    expect(r.stack.deviceNames()).toEqual(["wan", "lan"]);
    expect(r.stack.ip(["link", "show", "dev", "wan"]).stdout).toBe(
      "2: wan: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\n" +
        "    link/ether 02:00:00:00:00:02 brd ff:ff:ff:ff:ff:ff\n",
    );
  });

  it("shows addresses in iproute2's layout", () => {
    const r = makeRouter();
    r.setup(["ip addr add 192.0.2.1/24 dev wan", "ip -6 addr add 2001:db8::1/64 dev wan nodad"]);
    expect(r.stack.ip(["addr"]).stdout).toBe(
      "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n" +
        "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n" +
        "    inet 127.0.0.1/8 scope host lo\n" +
        "       valid_lft forever preferred_lft forever\n" +
        "    inet6 ::1/128 scope host \n" +
        "       valid_lft forever preferred_lft forever\n" +
        "2: wan: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000\n" +
        "    link/ether 02:00:00:00:00:02 brd ff:ff:ff:ff:ff:ff\n" +
        "    inet 192.0.2.1/24 scope global wan\n" +
        "       valid_lft forever preferred_lft forever\n" +
        "    inet6 2001:db8::1/64 scope global nodad \n" +
        "       valid_lft forever preferred_lft forever\n",
    );
    // With -6 the link dump comes from addrconf: no qdisc, no group, no link line.
    expect(r.stack.ip(["-6", "a", "s", "wan"]).stdout).toBe(
      "2: wan: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP qlen 1000\n" +
        "    inet6 2001:db8::1/64 scope global nodad \n" +
        "       valid_lft forever preferred_lft forever\n",
    );
  });

  it("lists subnet-router anycast addresses while IPv6 forwarding is on", () => {
    const r = makeRouter();
    r.setup(["ip -6 addr add 2001:db8:1::1/64 dev lan"]);
    const local = () => r.stack.ip(["-6", "route", "show", "table", "local"]).stdout;
    expect(local()).not.toContain("anycast");
    r.sysctl.set("net.ipv6.conf.all.forwarding", "1");
    expect(local()).toBe(
      "local ::1 dev lo proto kernel metric 0 pref medium\n" +
        "anycast 2001:db8:1:: dev lan proto kernel metric 0 pref medium\n" +
        "local 2001:db8:1::1 dev lan proto kernel metric 0 pref medium\n" +
        "multicast ff00::/8 dev lan proto kernel metric 256 pref medium\n",
    );
  });

  it("flushes IPv4 routes through a device that loses its last address (fib_disable_ip)", () => {
    const r = makeRouter();
    r.setup(["ip addr add 10.0.0.1/24 dev lan", "ip route add 10.9.0.0/16 via 10.0.0.254"]);
    expect(r.stack.ip(["route"]).stdout).toContain("10.9.0.0/16 via 10.0.0.254 dev lan");
    r.setup(["ip addr del 10.0.0.1/24 dev lan"]);
    expect(r.stack.ip(["route"]).stdout).toBe("");
  });

  it("promotes a secondary when net.ipv4.conf.all.promote_secondaries is set", () => {
    const r = makeRouter();
    r.setup([
      "sysctl -w net.ipv4.conf.all.promote_secondaries=1",
      "ip addr add 10.0.0.1/24 dev lan",
      "ip addr add 10.0.0.2/24 dev lan",
      "ip addr del 10.0.0.1/24 dev lan",
    ]);
    expect(r.stack.ip(["-4", "addr", "show", "lan"]).stdout).toContain(
      "    inet 10.0.0.2/24 scope global lan\n",
    );
    expect(r.stack.ip(["route"]).stdout).toBe(
      "10.0.0.0/24 dev lan proto kernel scope link src 10.0.0.2 \n",
    );
  });

  it("refuses what it does not implement, in one clear line", () => {
    const r = makeRouter();
    r.setup(["ip addr add 10.0.0.1/24 dev lan"]);
    for (const argv of [
      ["-j", "addr"],
      ["neigh", "show"],
      ["route", "add", "10.1.0.0/16", "via", "10.0.0.2", "table", "100"],
      ["route", "add", "local", "10.1.0.1", "dev", "lan"],
      ["route", "get", "10.0.0.2"],
      ["link", "set", "lan", "down"],
    ]) {
      const got = r.stack.ip(argv);
      expect(got.status).not.toBe(0);
      expect(got.stderr).toMatch(/^ip: .* is not supported by ctkit\n$/);
    }
  });

  it("accepts `ip` as argv[0], abbreviations and -family", () => {
    const r = makeRouter();
    expect(r.stack.ip(["ip", "-f", "inet", "a", "a", "10.0.0.1/24", "dev", "lan"]).status).toBe(0);
    expect(r.stack.ip(["-family", "inet6", "ad"]).stdout).toBe(
      "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 state UNKNOWN qlen 1000\n" +
        "    inet6 ::1/128 scope host \n" +
        "       valid_lft forever preferred_lft forever\n",
    );
    expect(r.stack.ip(["ro", "li"]).stdout).toBe(
      "10.0.0.0/24 dev lan proto kernel scope link src 10.0.0.1 \n",
    );
  });
});
