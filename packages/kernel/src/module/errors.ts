/**
 * Errors raised by the kernel's module subsystem. Each carries the errno the
 * Linux kernel (or kmod) would have reported, so the CLI can print the same
 * words the original tools print for that errno.
 */
export type Errno =
  | "ENOENT"
  | "EINVAL"
  | "EEXIST"
  | "EBUSY"
  | "ENOEXEC"
  | "EPERM"
  | "EWOULDBLOCK"
  | "ENOSPC"
  | "ERANGE"
  | "ENAMETOOLONG"
  | "ESHUTDOWN"
  | "EMFILE"
  | "EALREADY"
  | "EIO"
  | "EACCES";

/** strerror(3) texts, as kmod prints them after "could not insert 'x': ". */
export const STRERROR: Record<Errno, string> = {
  ENOENT: "No such file or directory",
  EINVAL: "Invalid argument",
  EEXIST: "File exists",
  EBUSY: "Device or resource busy",
  ENOEXEC: "Exec format error",
  EPERM: "Operation not permitted",
  EWOULDBLOCK: "Resource temporarily unavailable",
  ENOSPC: "No space left on device",
  ERANGE: "Numerical result out of range",
  ENAMETOOLONG: "File name too long",
  ESHUTDOWN: "Cannot send after transport endpoint shutdown",
  EMFILE: "Too many open files",
  EALREADY: "Operation already in progress",
  EIO: "Input/output error",
  EACCES: "Permission denied",
};

export class KernelError extends Error {
  override readonly name = "KernelError";
  constructor(
    readonly errno: Errno,
    message: string,
  ) {
    super(message);
  }
}

/** Invalid module metadata in a package.json: names the file and the field. */
export class MetadataError extends Error {
  override readonly name = "MetadataError";
  constructor(
    readonly file: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${file}: field "${field}": ${detail}`);
  }
}

/** A modprobe.d config file line that cannot be used. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
  }
}
