/**
 * Module parameters, parsed the way the kernel's kernel/params.c parses
 * them: kstrto* with base 0 for numbers, kstrtobool for bools, comma lists
 * for arrays. Errors carry the errno the kernel returns and the exact dmesg
 * line it logs, so `modprobe` can fail with the same words.
 */
import { type Errno, KernelError } from "./errors.js";

export type ScalarType =
  | "bool"
  | "invbool"
  | "byte"
  | "short"
  | "ushort"
  | "int"
  | "uint"
  | "long"
  | "ulong"
  | "charp";
export type ParamType = ScalarType | `array of ${Exclude<ScalarType, "invbool">}`;

export type ScalarValue = boolean | number | string;
export type ParamValue = ScalarValue | ScalarValue[];

export interface ParamSpec {
  name: string;
  type: ParamType;
  /** Element type (same as type for scalars). */
  element: ScalarType;
  isArray: boolean;
  /** Maximum element count for arrays. */
  max: number;
  /** sysfs permission bits, e.g. 0o644. 0 = not visible at run time. */
  perm: number;
  description: string;
  default: ParamValue;
}

const SCALARS: readonly ScalarType[] = [
  "bool",
  "invbool",
  "byte",
  "short",
  "ushort",
  "int",
  "uint",
  "long",
  "ulong",
  "charp",
];

export function isScalarType(t: string): t is ScalarType {
  return (SCALARS as readonly string[]).includes(t);
}

/** Integer ranges of the kernel's param_ops_* types. */
const RANGES: Partial<Record<ScalarType, readonly [number, number]>> = {
  byte: [0, 0xff],
  short: [-0x8000, 0x7fff],
  ushort: [0, 0xffff],
  int: [-0x80000000, 0x7fffffff],
  uint: [0, 0xffffffff],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ulong: [0, Number.MAX_SAFE_INTEGER],
};

const SIGNED: ReadonlySet<ScalarType> = new Set(["short", "int", "long"]);

/** Longest charp the kernel accepts (param_set_charp). */
export const CHARP_MAX = 1024;

class ParamParseError {
  constructor(
    readonly errno: Errno,
    readonly dmesg?: string,
  ) {}
}

/**
 * kstrtoull/kstrtoll with base 0: "0x" hex, leading "0" octal, else decimal;
 * one trailing newline allowed; out of range → ERANGE, junk → EINVAL.
 */
function parseInteger(text: string, type: ScalarType): number {
  let s = text.endsWith("\n") ? text.slice(0, -1) : text;
  let negative = false;
  if (s.startsWith("+")) s = s.slice(1);
  else if (s.startsWith("-")) {
    if (!SIGNED.has(type)) throw new ParamParseError("EINVAL");
    negative = true;
    s = s.slice(1);
  }
  let digits: RegExp;
  let base: number;
  if (/^0[xX]/.test(s)) {
    s = s.slice(2);
    digits = /^[0-9a-fA-F]+$/;
    base = 16;
  } else if (s.length > 1 && s.startsWith("0")) {
    digits = /^[0-7]+$/;
    base = 8;
  } else {
    digits = /^[0-9]+$/;
    base = 10;
  }
  if (!digits.test(s)) throw new ParamParseError("EINVAL");
  const big = BigInt(base === 10 ? s : `${base === 16 ? "0x" : "0o"}${s}`);
  const value = negative ? -big : big;
  const [lo, hi] = RANGES[type] ?? [0, 0];
  if (value < BigInt(lo) || value > BigInt(hi)) throw new ParamParseError("ERANGE");
  return Number(value);
}

/** kstrtobool: only the first character (two for "on"/"off") decides. */
function parseBool(text: string): boolean {
  const c = text[0];
  if (c === "y" || c === "Y" || c === "t" || c === "T" || c === "1") return true;
  if (c === "n" || c === "N" || c === "f" || c === "F" || c === "0") return false;
  if (c === "o" || c === "O") {
    const d = text[1];
    if (d === "n" || d === "N") return true;
    if (d === "f" || d === "F") return false;
  }
  throw new ParamParseError("EINVAL");
}

function parseScalar(spec: ParamSpec, text: string | null): ScalarValue {
  const type = spec.element;
  if (type === "bool" || type === "invbool") {
    // A bare "name" with no '=' means "set" for bools (KERNEL_PARAM_OPS_FL_NOARG).
    const v = text === null ? true : parseBool(text);
    return type === "invbool" ? !v : v;
  }
  if (text === null) throw new ParamParseError("EINVAL");
  if (type === "charp") {
    // strlen(): bytes of UTF-8, not UTF-16 code units.
    if (Buffer.byteLength(text, "utf8") > CHARP_MAX) {
      throw new ParamParseError("ENOSPC", `${spec.name}: string parameter too long`);
    }
    return text;
  }
  return parseInteger(text, type);
}

function parseArray(spec: ParamSpec, text: string | null): ScalarValue[] {
  if (text === null) throw new ParamParseError("EINVAL");
  const items = text.split(",");
  if (items.length > spec.max) {
    throw new ParamParseError(
      "EINVAL",
      // param_array() logs the parameter's name only.
      `${spec.name}: can only take ${spec.max} arguments`,
    );
  }
  return items.map((item) => parseScalar(spec, item));
}

/**
 * Parses one value for `spec`. `text` is null when the parameter was given
 * without '=' (only bools accept that). Throws KernelError with the errno
 * and the kernel log line(s) in `dmesg`.
 */
export function parseParamValue(
  moduleName: string,
  spec: ParamSpec,
  text: string | null,
): ParamValue {
  try {
    return spec.isArray ? parseArray(spec, text) : parseScalar(spec, text);
  } catch (e) {
    if (!(e instanceof ParamParseError)) throw e;
    const lines: string[] = [];
    if (e.dmesg) lines.push(e.dmesg);
    const shown = text ?? "";
    lines.push(
      e.errno === "ENOSPC"
        ? `${moduleName}: \`${shown}' too large for parameter \`${spec.name}'`
        : `${moduleName}: \`${shown}' invalid for parameter \`${spec.name}'`,
    );
    throw new ParamError(e.errno, lines);
  }
}

/** A rejected parameter: errno for the caller, kernel log lines for dmesg. */
export class ParamError extends KernelError {
  constructor(
    errno: Errno,
    readonly dmesg: string[],
  ) {
    super(errno, dmesg[dmesg.length - 1] ?? "invalid parameter");
  }
}

/** One `name[=value]` token, as the kernel's next_arg splits it. */
export interface ParamAssignment {
  name: string;
  value: string | null;
}

/**
 * Splits a module option string (from modprobe.d `options` lines and the
 * command line) into assignments. Double quotes group a value with spaces,
 * as in `name="a b"`, and are removed.
 */
export function splitOptions(text: string): ParamAssignment[] {
  const out: ParamAssignment[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (i >= text.length) break;
    let token = "";
    let quoted = false;
    while (i < text.length && (quoted || !/\s/.test(text[i] as string))) {
      const c = text[i] as string;
      if (c === '"') quoted = !quoted;
      else token += c;
      i++;
    }
    out.push(splitAssignment(token));
  }
  return out;
}

export function splitAssignment(token: string): ParamAssignment {
  const eq = token.indexOf("=");
  return eq < 0
    ? { name: token, value: null }
    : { name: token.slice(0, eq), value: token.slice(eq + 1) };
}

/** Same rule as the kernel's parameq(): '-' and '_' compare equal. */
export function paramNameEquals(a: string, b: string): boolean {
  return a.replaceAll("-", "_") === b.replaceAll("-", "_");
}

/** sysfs rendering of a value: bools as Y/N, arrays comma separated. */
export function formatParamValue(value: ParamValue): string {
  if (Array.isArray(value)) return value.map((v) => formatScalar(v)).join(",");
  return formatScalar(value);
}

function formatScalar(v: ScalarValue): string {
  if (typeof v === "boolean") return v ? "Y" : "N";
  return String(v);
}

/** Owner write bit (or any write bit) makes a parameter writable at run time. */
export function isWritable(spec: ParamSpec): boolean {
  return (spec.perm & 0o222) !== 0;
}

export function isReadable(spec: ParamSpec): boolean {
  return (spec.perm & 0o444) !== 0;
}

/**
 * Applies assignments in order (later ones win, as in the kernel, so the
 * command line overrides modprobe.d options) on top of the defaults.
 * All-or-nothing: the first bad assignment throws and nothing is returned.
 */
export function resolveParams(
  moduleName: string,
  specs: readonly ParamSpec[],
  assignments: readonly ParamAssignment[],
): Record<string, ParamValue> {
  const values: Record<string, ParamValue> = {};
  for (const spec of specs) values[spec.name] = cloneValue(spec.default);
  for (const a of assignments) {
    const spec = specs.find((s) => paramNameEquals(s.name, a.name));
    if (spec === undefined) {
      throw new ParamError("ENOENT", [`${moduleName}: Unknown parameter \`${a.name}'`]);
    }
    values[spec.name] = parseParamValue(moduleName, spec, a.value);
  }
  return values;
}

function cloneValue(v: ParamValue): ParamValue {
  return Array.isArray(v) ? [...v] : v;
}
