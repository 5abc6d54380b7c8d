/**
 * Module parameters, checked against the kernel's rules: kstrto* with base 0
 * for integers, kstrtobool for bools, param_set_charp's 1024-byte limit,
 * param_array's element count, and parse_args' dmesg lines. Then the same
 * rules through modprobe: config options + command line, and a failed
 * parameter leaving nothing loaded.
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
  CHARP_MAX,
  formatParamValue,
  KernelError,
  type ModuleError,
  ParamError,
  type ParamSpec,
  type ParamType,
  paramNameEquals,
  parseParamValue,
  resolveParams,
  type ScalarType,
  splitAssignment,
  splitOptions,
} from "../dist/index.js";
import { dmesg, events, lsmod, makeKernel, rejection, resetEvents, thrown } from "./support.js";

function spec(type: ParamType, extra: Partial<ParamSpec> = {}): ParamSpec {
  const isArray = type.startsWith("array of ");
  const element = (isArray ? type.slice("array of ".length) : type) as ScalarType;
  return {
    name: "p",
    type,
    element,
    isArray,
    max: 1,
    perm: 0o644,
    description: "",
    default: isArray ? [] : 0,
    ...extra,
  };
}

const parse = (type: ParamType, text: string | null, extra?: Partial<ParamSpec>) =>
  parseParamValue("m", spec(type, extra), text);
const failure = (type: ParamType, text: string | null, extra?: Partial<ParamSpec>) =>
  thrown<ParamError>(() => parse(type, text, extra));

beforeEach(resetEvents);

describe("integers (kstrto* with base 0)", () => {
  it.each<[ParamType, string, number]>([
    ["int", "0", 0],
    ["int", "42", 42],
    ["int", "+42", 42],
    ["int", "-42", -42],
    ["int", "0x10", 16],
    ["int", "0X1f", 31],
    ["int", "010", 8],
    ["int", "-010", -8],
    ["int", "-0x10", -16],
    ["int", "00", 0],
    ["int", "7\n", 7],
    ["int", "2147483647", 2147483647],
    ["int", "-2147483648", -2147483648],
    ["byte", "255", 255],
    ["byte", "0377", 255],
    ["byte", "0xff", 255],
    ["short", "32767", 32767],
    ["short", "-32768", -32768],
    ["ushort", "65535", 65535],
    ["uint", "4294967295", 4294967295],
    ["uint", "0xffffffff", 4294967295],
    ["long", "-9007199254740991", -9007199254740991],
    ["ulong", "9007199254740991", 9007199254740991],
  ])("%s %j = %d", (type, text, value) => {
    expect(parse(type, text)).toBe(value);
  });

  it.each<[ParamType, string | null]>([
    ["int", "08"],
    ["int", "09"],
    ["int", "0x"],
    ["int", "0xg"],
    ["int", ""],
    ["int", " 1"],
    ["int", "1 "],
    ["int", "1\n\n"],
    ["int", "1e3"],
    ["int", "1.5"],
    ["int", "12abc"],
    ["int", "--1"],
    ["int", "-+1"],
    ["int", "+-1"],
    ["int", "0b101"],
    ["int", null],
    ["uint", "-1"],
    ["uint", "-0"],
    ["ushort", "-1"],
    ["byte", "-1"],
    ["ulong", "-5"],
  ])("%s %j is EINVAL", (type, text) => {
    const e = failure(type, text);
    expect(e).toBeInstanceOf(ParamError);
    expect(e).toBeInstanceOf(KernelError);
    expect(e.errno).toBe("EINVAL");
    expect(e.dmesg).toEqual([`m: \`${text ?? ""}' invalid for parameter \`p'`]);
    expect(e.message).toBe(`m: \`${text ?? ""}' invalid for parameter \`p'`);
  });

  it.each<[ParamType, string]>([
    ["byte", "256"],
    ["byte", "0x100"],
    ["short", "32768"],
    ["short", "-32769"],
    ["ushort", "65536"],
    ["int", "2147483648"],
    ["int", "-2147483649"],
    ["uint", "4294967296"],
    ["uint", "99999999999999999999999"],
    // JS numbers stop at 2^53: larger longs are refused rather than rounded.
    ["long", "9007199254740992"],
    ["ulong", "18446744073709551615"],
  ])("%s %j is ERANGE", (type, text) => {
    const e = failure(type, text);
    expect(e.errno).toBe("ERANGE");
    // parse_args prints the generic "invalid" line for every errno but ENOENT/ENOSPC.
    expect(e.dmesg).toEqual([`m: \`${text}' invalid for parameter \`p'`]);
  });
});

describe("bool and invbool (kstrtobool)", () => {
  it.each(["y", "Y", "1", "t", "T", "yes", "true", "on", "ON", "oN", "1000"])(
    "%j is true",
    (text) => {
      expect(parse("bool", text)).toBe(true);
      expect(parse("invbool", text)).toBe(false);
    },
  );

  it.each(["n", "N", "0", "f", "F", "no", "false", "off", "OFF", "oFf"])("%j is false", (text) => {
    expect(parse("bool", text)).toBe(false);
    expect(parse("invbool", text)).toBe(true);
  });

  it("a bare name (no '=') sets a bool, and clears an invbool", () => {
    expect(parse("bool", null)).toBe(true);
    expect(parse("invbool", null)).toBe(false);
  });

  it.each(["", "2", "x", "o", "ox", "-1", " y"])("%j is EINVAL", (text) => {
    const e = failure("bool", text);
    expect(e.errno).toBe("EINVAL");
    expect(e.dmesg).toEqual([`m: \`${text}' invalid for parameter \`p'`]);
  });
});

describe("charp", () => {
  it("takes any text up to 1024 bytes, including an empty one", () => {
    expect(CHARP_MAX).toBe(1024);
    expect(parse("charp", "hello world")).toBe("hello world");
    expect(parse("charp", "")).toBe("");
    expect(parse("charp", "x".repeat(1024))).toBe("x".repeat(1024));
  });

  it("refuses more than 1024 bytes with ENOSPC and both kernel lines", () => {
    const long = "x".repeat(1025);
    const e = failure("charp", long);
    expect(e.errno).toBe("ENOSPC");
    expect(e.dmesg).toEqual([
      "p: string parameter too long",
      `m: \`${long}' too large for parameter \`p'`,
    ]);
  });

  it("counts bytes, not UTF-16 units, as strlen does", () => {
    // 600 × "é" is 600 characters but 1200 bytes of UTF-8.
    expect(failure("charp", "é".repeat(600)).errno).toBe("ENOSPC");
    expect(parse("charp", "é".repeat(512))).toBe("é".repeat(512));
  });

  it("needs a value", () => {
    expect(failure("charp", null).errno).toBe("EINVAL");
  });
});

describe("arrays", () => {
  const arr = { max: 3 };

  it("splits on commas and checks every element", () => {
    expect(parse("array of ushort", "21", arr)).toEqual([21]);
    expect(parse("array of ushort", "21,0x50,010", arr)).toEqual([21, 80, 8]);
    expect(parse("array of bool", "y,n,1", arr)).toEqual([true, false, true]);
    expect(parse("array of charp", "a,b", arr)).toEqual(["a", "b"]);
  });

  it("refuses more than max elements with param_array's line", () => {
    const e = failure("array of ushort", "1,2,3,4", arr);
    expect(e.errno).toBe("EINVAL");
    expect(e.dmesg).toEqual([
      "p: can only take 3 arguments",
      "m: `1,2,3,4' invalid for parameter `p'",
    ]);
  });

  it("refuses a bad element with that element's errno", () => {
    expect(failure("array of ushort", "1,65536", arr).errno).toBe("ERANGE");
    expect(failure("array of ushort", "1,,2", arr).errno).toBe("EINVAL");
    expect(failure("array of ushort", "", arr).errno).toBe("EINVAL");
    expect(failure("array of ushort", "1,", arr).errno).toBe("EINVAL");
    expect(failure("array of ushort", null, arr).errno).toBe("EINVAL");
  });
});

describe("option strings", () => {
  it("splits name=value tokens, with double quotes grouping spaces", () => {
    expect(splitOptions('  a=1 b  c="x y" d="" e=f"g h"i ')).toEqual([
      { name: "a", value: "1" },
      { name: "b", value: null },
      { name: "c", value: "x y" },
      { name: "d", value: "" },
      { name: "e", value: "fg hi" },
    ]);
    expect(splitOptions("")).toEqual([]);
    expect(splitAssignment("k=v=w")).toEqual({ name: "k", value: "v=w" });
  });

  it("compares parameter names with '-' equal to '_' (parameq)", () => {
    expect(paramNameEquals("dash-name", "dash_name")).toBe(true);
    expect(paramNameEquals("a_b", "a_c")).toBe(false);
  });

  it("formats values as sysfs shows them", () => {
    expect(formatParamValue(true)).toBe("Y");
    expect(formatParamValue(false)).toBe("N");
    expect(formatParamValue(-3)).toBe("-3");
    expect(formatParamValue("txt")).toBe("txt");
    expect(formatParamValue([21, 2121])).toBe("21,2121");
    expect(formatParamValue([])).toBe("");
  });

  it("resolveParams applies defaults, then assignments in order (later wins)", () => {
    const specs = [
      spec("int", { name: "a", default: 5 }),
      spec("charp", { name: "s", default: "d" }),
    ];
    expect(resolveParams("m", specs, [])).toEqual({ a: 5, s: "d" });
    expect(resolveParams("m", specs, splitOptions("a=1 s=x a=2"))).toEqual({ a: 2, s: "x" });
  });

  it("resolveParams refuses an unknown parameter with ENOENT", () => {
    const e = thrown<ParamError>(() => resolveParams("m", [], splitOptions("foo=1")));
    expect(e.errno).toBe("ENOENT");
    expect(e.dmesg).toEqual(["m: Unknown parameter `foo'"]);
  });

  it("resolveParams does not share array defaults between loads", () => {
    const specs = [spec("array of int", { name: "a", max: 2, default: [1] })];
    const first = resolveParams("m", specs, []);
    (first.a as number[]).push(9);
    expect(resolveParams("m", specs, []).a).toEqual([1]);
  });
});

describe("parameters through modprobe", () => {
  const allParams = (k: ReturnType<typeof makeKernel>) =>
    k.modules.find("all_params")?.params as Record<string, unknown>;

  it("gives every parameter its default when none is given", async () => {
    const k = makeKernel();
    await k.modules.probe("all_params");
    expect(allParams(k)).toEqual({
      b: false,
      ib: false,
      by: 0,
      sh: 0,
      us: 0,
      i: -1,
      ui: 0,
      l: 0,
      ul: 0,
      s: "dflt",
      arr: [],
      dash_name: 0,
    });
  });

  it("parses every type from the command line, and init sees the values", async () => {
    const k = makeKernel();
    await k.modules.probe("all_params", {
      params: [
        "b",
        "ib=y",
        "by=0xff",
        "sh=-0x10",
        "us=010",
        "i=-5",
        "ui=4294967295",
        "l=-123456789012",
        "ul=123456789012",
        "s=hello world",
        "arr=1,2,3",
        "dash-name=7",
      ],
    });
    const expected = {
      b: true,
      ib: false,
      by: 255,
      sh: -16,
      us: 8,
      i: -5,
      ui: 4294967295,
      l: -123456789012,
      ul: 123456789012,
      s: "hello world",
      arr: [1, 2, 3],
      dash_name: 7,
    };
    expect(allParams(k)).toEqual(expected);
    expect(events()).toEqual([`init:all_params:${JSON.stringify(expected)}`]);
    expect(k.modules.getParam("all_params", "s")).toBe("hello world");
    expect(k.modules.getParam("all_params", "arr")).toBe("1,2,3");
    expect(k.modules.getParam("all_params", "b")).toBe("Y");
  });

  it("refuses an unknown parameter with ENOENT and kernel's dmesg line", async () => {
    const k = makeKernel();
    const err = await rejection<ModuleError>(k.modules.probe("all_params", { params: ["foo=1"] }));
    expect(err).toMatchObject({
      kind: "insert",
      errno: "ENOENT",
      module: "all_params",
      message: "all_params: Unknown parameter `foo'",
    });
    expect(err.insertReason).toBe("Unknown symbol in module, or unknown parameter (see dmesg)");
    expect(dmesg(k)).toContain("all_params: Unknown parameter `foo'");
    expect(lsmod(k)).toEqual([]);
  });

  it.each<[string, string, string[]]>([
    ["us=65536", "ERANGE", ["all_params: `65536' invalid for parameter `us'"]],
    ["ui=-1", "EINVAL", ["all_params: `-1' invalid for parameter `ui'"]],
    ["i=08", "EINVAL", ["all_params: `08' invalid for parameter `i'"]],
    ["b=maybe", "EINVAL", ["all_params: `maybe' invalid for parameter `b'"]],
    ["i", "EINVAL", ["all_params: `' invalid for parameter `i'"]],
    [
      "arr=1,2,3,4",
      "EINVAL",
      ["arr: can only take 3 arguments", "all_params: `1,2,3,4' invalid for parameter `arr'"],
    ],
    [
      `s=${"z".repeat(1025)}`,
      "ENOSPC",
      [
        "s: string parameter too long",
        `all_params: \`${"z".repeat(1025)}' too large for parameter \`s'`,
      ],
    ],
  ])("refuses %s with %s and the kernel's lines", async (param, errno, lines) => {
    const k = makeKernel();
    const err = await rejection<ModuleError>(k.modules.probe("all_params", { params: [param] }));
    expect(err).toMatchObject({ kind: "insert", errno, message: lines[lines.length - 1] });
    expect(dmesg(k).slice(-lines.length)).toEqual(lines);
    expect(
      k.log
        .all()
        .slice(-lines.length)
        .every((l) => l.level === "err"),
    ).toBe(true);
    expect(lsmod(k)).toEqual([]);
  });

  it("config options accumulate and the command line wins", async () => {
    const k = makeKernel({
      config: "options all_params i=1 s=conf\noptions all-params us=7 i=3\n",
    });
    const r = await k.modules.probe("all_params", { params: ["i=2"] });
    expect(r.steps[0]).toMatchObject({
      configOptions: "i=1 s=conf us=7 i=3",
      cmdlineOptions: "i=2",
      options: "i=1 s=conf us=7 i=3 i=2",
    });
    expect(allParams(k)).toMatchObject({ i: 2, s: "conf", us: 7 });
  });

  it("config options apply to dependencies; command-line ones only to the named module", async () => {
    const k = makeKernel({ config: "options nf_conntrack hashsize=1024\n" });
    const err = await rejection<ModuleError>(
      k.modules.probe("nf_nat_x", { params: ["hashsize=2048"] }),
    );
    expect(err.message).toBe("nf_nat_x: Unknown parameter `hashsize'");
    await k.modules.probe("nf_nat_x");
    expect(k.modules.find("nf_conntrack")?.params.hashsize).toBe(1024);
  });

  it("a bad command-line parameter leaves nothing loaded, not even the dependencies", async () => {
    const k = makeKernel();
    const err = await rejection<ModuleError>(
      k.modules.probe("nf_conntrack_x", { params: ["ports=21,22,23,24,25"] }),
    );
    expect(err.errno).toBe("EINVAL");
    expect(lsmod(k)).toEqual([]);
    expect(k.sysctl.has("net.netfilter.nf_conntrack_max")).toBe(false);
    expect(events()).toEqual([]);
  });

  it("a bad config option of a dependency fails the whole probe before any init runs", async () => {
    const k = makeKernel({ config: "options chain_c bogus=1\n" });
    const err = await rejection<ModuleError>(k.modules.probe("chain_a"));
    expect(err).toMatchObject({ errno: "ENOENT", module: "chain_c" });
    expect(err.message).toBe("chain_c: Unknown parameter `bogus'");
    expect(events()).toEqual([]);
    expect(lsmod(k)).toEqual([]);
  });

  it("an already-loaded module ignores new parameters (modprobe is a no-op)", async () => {
    const k = makeKernel();
    await k.modules.probe("all_params", { params: ["i=1"] });
    const r = await k.modules.probe("all_params", { params: ["i=2"] });
    expect(r.loaded).toEqual([]);
    expect(allParams(k).i).toBe(1);
  });
});
