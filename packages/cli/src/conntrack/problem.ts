/**
 * conntrack-tools' two ways of failing: a PARAMETER_PROBLEM (exit 2, with
 * the "Try ... --help" hint) for a bad command line, an OTHER_PROBLEM
 * (exit 1) when the kernel refuses. Both print one "conntrack v1.4.7
 * (conntrack-tools): ..." line, as exit_error() does.
 */

/** The version of conntrack-tools whose output ctkit reproduces. */
export const CONNTRACK_VERSION = "conntrack v1.4.7 (conntrack-tools)";

const TRY_HELP = "Try `conntrack -h' or 'conntrack --help' for more information.\n";

export class ConntrackProblem extends Error {
  constructor(
    message: string,
    /** 2 for a bad command line, 1 for a refused operation. */
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }

  /** What conntrack-tools writes to stderr for it. */
  text(): string {
    return `${CONNTRACK_VERSION}: ${this.message}\n${this.exitCode === 2 ? TRY_HELP : ""}`;
  }
}

export function parameterProblem(message: string): ConntrackProblem {
  return new ConntrackProblem(message, 2);
}

/** "Operation failed: ..." with err2str()'s words for the errno. */
export function operationFailed(reason: string): ConntrackProblem {
  return new ConntrackProblem(`Operation failed: ${reason}`, 1);
}
