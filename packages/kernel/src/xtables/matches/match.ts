/**
 * A match extension instance (one `-m NAME` or implicit protocol match of a
 * rule): parsed from options, printed for `-L` and `-S`, compiled for the
 * datapath.
 */
import { Extension } from "../ext.js";
import type { CompiledMatch } from "./compiled.js";

export abstract class Match extends Extension {
  /** Whether the rule needs conntrack in its namespace (nf_ct_netns_get). */
  readonly needsConntrack: boolean = false;
  /**
   * xt_match.proto: the protocol the kernel requires (-p, not inverted) when
   * the match reaches it as an xt match; 0 when it does not check.
   */
  get kernelProto(): number {
    return 0;
  }
  /** `-L` text, starting with a space (" tcp dpt:22"). */
  abstract print(numeric: boolean): string;
  /** `-S` options after " -m NAME", starting with a space, or "". */
  abstract save(): string;
  abstract compile(): CompiledMatch;
}
