/**
 * Module metadata ("modinfo") read from a package's package.json `ctkit`
 * field. Reading it never runs plugin code, which is what lets depmod,
 * modinfo and alias resolution work on untrusted or unloaded modules.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import semver from "semver";
import { MetadataError } from "./errors.js";
import { isValidAliasText, isValidModuleName, normalizeName } from "./names.js";
import {
  isScalarType,
  type ParamSpec,
  type ParamType,
  type ParamValue,
  parseParamValue,
  type ScalarType,
} from "./params.js";

export type ModuleOrigin = "core" | "workspace" | "path";

export interface SoftDeps {
  pre: string[];
  post: string[];
}

export interface ModuleInfo {
  /** Normalized name ('_' only). */
  name: string;
  description: string;
  license: string;
  author: string;
  /** The npm package version, shown as modinfo's `version:`. */
  version: string;
  alias: string[];
  depends: string[];
  softdep: SoftDeps;
  /** semver range of kernel versions this module was built for (vermagic). */
  kernel: string;
  params: ParamSpec[];
  /** npm package name. */
  packageName: string;
  packageDir: string;
  /** Absolute path of the file `import()`ed to load the module. */
  entry: string;
  origin: ModuleOrigin;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads and validates `<dir>/package.json`; null when it has no `ctkit` field. */
export function readModulePackage(dir: string, origin: ModuleOrigin): ModuleInfo | null {
  const file = join(dir, "package.json");
  let pkg: unknown;
  try {
    pkg = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new MetadataError(file, "(file)", `not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(pkg) || pkg.ctkit === undefined) return null;
  return parseModuleMetadata(pkg, file, origin);
}

export function parseModuleMetadata(pkg: Json, file: string, origin: ModuleOrigin): ModuleInfo {
  const fail = (field: string, detail: string): never => {
    throw new MetadataError(file, field, detail);
  };
  const meta = pkg.ctkit;
  if (!isObject(meta)) fail("ctkit", "must be an object");
  const m = meta as Json;

  const str = (key: string, required: boolean): string => {
    const v = m[key];
    if (v === undefined && !required) return "";
    if (typeof v !== "string" || (required && v.trim() === "")) {
      return fail(
        `ctkit.${key}`,
        required ? "required, must be a non-empty string" : "must be a string",
      );
    }
    return v;
  };
  const strList = (key: string, check: (s: string) => boolean, what: string): string[] => {
    const v = m[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) return fail(`ctkit.${key}`, "must be an array of strings");
    return v.map((item, i) =>
      typeof item === "string" && check(item)
        ? item
        : fail(`ctkit.${key}[${i}]`, `${JSON.stringify(item)} is not ${what}`),
    );
  };

  const name = str("module", true);
  if (!isValidModuleName(name)) {
    fail(
      "ctkit.module",
      `${JSON.stringify(name)} is not a module name (letters, digits, '_' and '-', at most 55)`,
    );
  }
  const kernel = str("kernel", true);
  if (semver.validRange(kernel) === null)
    fail("ctkit.kernel", `${JSON.stringify(kernel)} is not a semver range`);

  const dir = dirname(file);
  return {
    name: normalizeName(name),
    description: str("description", false),
    license: str("license", false) || (typeof pkg.license === "string" ? pkg.license : ""),
    author: str("author", false),
    version: typeof pkg.version === "string" ? pkg.version : "",
    alias: strList("alias", isValidAliasText, "an alias (no spaces or path characters)"),
    depends: strList("depends", isValidModuleName, "a module name").map(normalizeName),
    softdep: parseSoftdep(m.softdep, fail),
    kernel,
    params: parseParams(m.params, fail),
    packageName: typeof pkg.name === "string" ? pkg.name : name,
    packageDir: dir,
    entry: resolveEntry(pkg, m, dir, fail),
    origin,
  };
}

function parseSoftdep(v: unknown, fail: (f: string, d: string) => never): SoftDeps {
  if (v === undefined) return { pre: [], post: [] };
  if (!isObject(v))
    return fail("ctkit.softdep", 'must be an object like {"pre": [...], "post": [...]}');
  const list = (key: "pre" | "post"): string[] => {
    const l = v[key];
    if (l === undefined) return [];
    if (!Array.isArray(l) || !l.every((x) => typeof x === "string" && isValidModuleName(x))) {
      return fail(`ctkit.softdep.${key}`, "must be an array of module names");
    }
    return l.map((x) => normalizeName(x as string));
  };
  return { pre: list("pre"), post: list("post") };
}

function parsePerm(v: unknown, field: string, fail: (f: string, d: string) => never): number {
  let perm: number;
  if (typeof v === "string" && /^0?[0-7]{1,3}$/.test(v)) perm = Number.parseInt(v, 8);
  else if (typeof v === "number" && Number.isInteger(v)) perm = v;
  else return fail(field, 'must be an octal string such as "0644"');
  if (perm < 0 || perm > 0o777) return fail(field, "must be between 0000 and 0777");
  // The kernel refuses world-writable parameters (VERIFY_OCTAL_PERMISSIONS).
  if (perm & 0o002) return fail(field, "must not be world-writable");
  return perm;
}

function parseParams(v: unknown, fail: (f: string, d: string) => never): ParamSpec[] {
  if (v === undefined) return [];
  if (!isObject(v))
    return fail("ctkit.params", "must be an object of name → {type, perm, description}");
  const out: ParamSpec[] = [];
  for (const [pname, raw] of Object.entries(v)) {
    const field = `ctkit.params.${pname}`;
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,55}$/.test(pname))
      fail(field, "parameter names are C identifiers");
    if (!isObject(raw)) return fail(field, "must be an object");
    const type = raw.type;
    if (typeof type !== "string")
      return fail(`${field}.type`, "required (bool, int, uint, ushort, charp, 'array of T', ...)");
    const isArray = type.startsWith("array of ");
    const element = isArray ? type.slice("array of ".length) : type;
    if (!isScalarType(element) || (isArray && element === "invbool")) {
      return fail(`${field}.type`, `unknown type ${JSON.stringify(type)}`);
    }
    let max = 1;
    if (isArray) {
      if (
        typeof raw.max !== "number" ||
        !Number.isInteger(raw.max) ||
        raw.max < 1 ||
        raw.max > 1024
      ) {
        return fail(`${field}.max`, "arrays need a maximum element count between 1 and 1024");
      }
      max = raw.max;
    }
    const description = raw.description ?? "";
    if (typeof description !== "string") return fail(`${field}.description`, "must be a string");
    const spec: ParamSpec = {
      name: pname,
      type: type as ParamType,
      element: element as ScalarType,
      isArray,
      max,
      perm: parsePerm(raw.perm ?? "0", `${field}.perm`, fail),
      description,
      default: isArray ? [] : zeroValue(element as ScalarType),
    };
    if (raw.default !== undefined)
      spec.default = checkDefault(spec, raw.default, `${field}.default`, fail);
    out.push(spec);
  }
  return out;
}

function zeroValue(t: ScalarType): ParamValue {
  if (t === "bool" || t === "invbool") return false;
  if (t === "charp") return "";
  return 0;
}

function checkDefault(
  spec: ParamSpec,
  v: unknown,
  field: string,
  fail: (f: string, d: string) => never,
): ParamValue {
  // The value must be one the parameter could be set to: in the type's range
  // (a byte default of 300 is refused) and a charp within 1024 bytes.
  const settable = (x: number | string): boolean => {
    try {
      parseParamValue("", { ...spec, isArray: false, type: spec.element }, String(x));
      return true;
    } catch {
      return false;
    }
  };
  const ok = (x: unknown): boolean => {
    if (spec.element === "bool" || spec.element === "invbool") return typeof x === "boolean";
    if (spec.element === "charp") return typeof x === "string" && settable(x);
    return typeof x === "number" && Number.isInteger(x) && settable(x);
  };
  if (spec.isArray) {
    if (!Array.isArray(v) || !v.every(ok) || v.length > spec.max) {
      return fail(field, `must be an array of at most ${spec.max} ${spec.element} values`);
    }
    return v as ParamValue;
  }
  if (!ok(v)) return fail(field, `must be a ${spec.element} value`);
  return v as ParamValue;
}

function resolveEntry(
  pkg: Json,
  m: Json,
  dir: string,
  fail: (f: string, d: string) => never,
): string {
  let rel: unknown = m.entry;
  if (rel === undefined) {
    const exp = pkg.exports;
    const dot = isObject(exp) ? (exp["."] ?? exp) : exp;
    if (typeof dot === "string") rel = dot;
    else if (isObject(dot)) rel = dot.import ?? dot.default;
  }
  if (rel === undefined) rel = pkg.main ?? "index.js";
  if (typeof rel !== "string")
    return fail(
      "exports",
      "cannot find the module's entry file (exports['.'], main or ctkit.entry)",
    );
  const entry = resolve(dir, rel);
  // An entry outside its own package directory would let metadata point anywhere.
  if (!entry.startsWith(`${dir}/`))
    return fail("ctkit.entry", "the entry file must be inside the package directory");
  return entry;
}

export function entryExists(info: ModuleInfo): boolean {
  return existsSync(info.entry);
}
