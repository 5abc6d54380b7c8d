/**
 * The errors iptables/ip6tables 1.8.9 (nf_tables) print, word for word, with
 * the exit status the real program uses (xtables_exit_error and the
 * nft_strerror table of iptables/nft.c). An XtablesError carries exactly what
 * the real program writes to stderr, plus anything it already wrote to stdout
 * (e.g. `-v -X` prints "Deleting chain" lines before the batch fails).
 */

/** The iptables version and backend this engine mirrors (`iptables -V`). */
export const XTABLES_VERSION = "1.8.9";
export const XTABLES_VARIANT = "nf_tables";

/** enum xtables_exittype. */
export const ExitCode = {
  OTHER_PROBLEM: 1,
  PARAMETER_PROBLEM: 2,
  VERSION_PROBLEM: 3,
  RESOURCE_PROBLEM: 4,
} as const;

export type Program = "iptables" | "ip6tables";

export function programOf(family: 4 | 6): Program {
  return family === 4 ? "iptables" : "ip6tables";
}

/** "iptables v1.8.9 (nf_tables): " — the prefix of xtables_error(). */
export function errorPrefix(prog: Program): string {
  return `${prog} v${XTABLES_VERSION} (${XTABLES_VARIANT}): `;
}

function tryHelp(prog: Program): string {
  return `Try \`${prog} -h' or '${prog} --help' for more information.\n`;
}

export class XtablesError extends Error {
  /** Exit status of the real program. */
  readonly exitCode: number;
  /** Exactly what the real program writes to stderr (ends with a newline). */
  readonly stderr: string;
  /** What it had already written to stdout before failing. */
  readonly stdout: string;

  constructor(stderr: string, exitCode: number, stdout = "") {
    super(stderr.endsWith("\n") ? stderr.slice(0, -1) : stderr);
    this.name = "XtablesError";
    this.stderr = stderr;
    this.exitCode = exitCode;
    this.stdout = stdout;
  }

  withStdout(stdout: string): XtablesError {
    return new XtablesError(this.stderr, this.exitCode, stdout + this.stdout);
  }
}

/**
 * xtables_error(PARAMETER_PROBLEM, ...): prefix, message, then the "Try" line.
 * Messages that end in "\n" in the C sources (x6 option errors, "Can't use
 * -i with OUTPUT\n") keep it, which leaves an empty line before "Try".
 */
export function paramProblem(prog: Program, message: string): XtablesError {
  return new XtablesError(
    `${errorPrefix(prog)}${message}\n${tryHelp(prog)}`,
    ExitCode.PARAMETER_PROBLEM,
  );
}

/** do_parse's non-option case: `Bad argument `foo'` has no program prefix. */
export function badArgument(prog: Program, arg: string): XtablesError {
  return new XtablesError(`Bad argument \`${arg}'\n${tryHelp(prog)}`, ExitCode.PARAMETER_PROBLEM);
}

/** exit_tryhelp(2) alone, as for `iptables -6`. */
export function tryHelpOnly(prog: Program): XtablesError {
  return new XtablesError(tryHelp(prog), ExitCode.PARAMETER_PROBLEM);
}

/** VERSION_PROBLEM, e.g. an unknown table. */
export function versionProblem(prog: Program, message: string): XtablesError {
  return new XtablesError(
    `${errorPrefix(prog)}${message}\nPerhaps ${prog} or your kernel needs to be upgraded.\n`,
    ExitCode.VERSION_PROBLEM,
  );
}

/** An xtables_error(OTHER_PROBLEM, ...) with the usual prefix and no "Try" line. */
export function otherProblem(prog: Program, message: string): XtablesError {
  return new XtablesError(`${errorPrefix(prog)}${message}\n`, ExitCode.OTHER_PROBLEM);
}

/**
 * The errno-based messages of nft_strerror(), printed as "iptables: MSG."
 * (EINVAL adds the dmesg hint), exit status 1.
 */
export const NftMessage = {
  NO_CHAIN: "No chain/target/match by that name",
  CHAIN_EXISTS: "Chain already exists",
  INSERT_TOO_BIG: "Index of insertion too big",
  DELETE_TOO_BIG: "Index of deletion too big",
  BAD_RULE: "Bad rule (does a matching rule exist in that chain?)",
  BAD_BUILTIN_CHAIN: "Bad built-in chain name",
  BAD_POLICY: "Bad policy name",
  NOT_EMPTY: "Directory not empty",
} as const;

export function nftError(prog: Program, message: string, einval = false): XtablesError {
  const hint = einval ? " Run `dmesg' for more information." : "";
  return new XtablesError(`${prog}: ${message}.${hint}\n`, ExitCode.OTHER_PROBLEM);
}

/** strerror() texts of the errnos a kernel batch can fail with. */
export const BatchErrno = {
  EINVAL: "Invalid argument",
  ENOENT: "No such file or directory",
  ELOOP: "Too many links",
  EBUSY: "Device or resource busy",
  EOPNOTSUPP: "Operation not supported",
} as const;
export type BatchErrno = keyof typeof BatchErrno;

/**
 * A kernel-side refusal of the nf_tables batch:
 * "iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain INPUT",
 * exit status 4. The double space is the real program's.
 */
export function batchError(
  prog: Program,
  op: "RULE_APPEND" | "RULE_INSERT" | "CHAIN_DEL",
  errno: BatchErrno,
  chain: string,
): XtablesError {
  const what = op === "CHAIN_DEL" ? `chain ${chain}` : `rule in chain ${chain}`;
  return new XtablesError(
    `${errorPrefix(prog)} ${op} failed (${BatchErrno[errno]}): ${what}\n`,
    ExitCode.RESOURCE_PROBLEM,
  );
}
