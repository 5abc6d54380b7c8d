/**
 * Line tracking per connection (struct nf_ct_ftp_master): the helper only
 * parses a segment that starts a line, i.e. whose sequence number is one
 * it remembered as "just after a newline" in that direction. Two such
 * numbers are kept per direction, so a retransmission of the previous
 * line's segment is still parsed. Nothing is remembered at first, so the
 * first data segment in each direction is never parsed (the server's
 * greeting, the client's first command).
 *
 * Linux also has an NF_CT_FTP_SEQ_PICKUP flag for connections injected by
 * conntrackd; ctkit has no ctnetlink injection, so it is not modelled.
 */

/** NUM_SEQ_TO_REMEMBER. */
const REMEMBERED = 2;

export class FtpLineState {
  /** seq_aft_nl[dir][i] at index dir * 2 + i. */
  readonly seqAfterNl = new Uint32Array(2 * REMEMBERED);
  /** How many of each direction's slots are in use (seq_aft_nl_num). */
  readonly count = new Uint8Array(2);

  /** find_nl_seq: does a segment starting at `seq` start a line? */
  startsLine(dir: 0 | 1, seq: number): boolean {
    const n = this.count[dir] as number;
    for (let i = 0; i < n; i++) if (this.seqAfterNl[dir * REMEMBERED + i] === seq) return true;
    return false;
  }

  /**
   * update_nl_seq: remember `seq` (the sequence number after a segment
   * ending in '\n'). Already known: nothing to do. Otherwise it fills a
   * free slot, or replaces the older of the two — but only when it comes
   * after it, so a late retransmission cannot push out a newer position.
   */
  remember(dir: 0 | 1, seq: number): void {
    const base = dir * REMEMBERED;
    const n = this.count[dir] as number;
    for (let i = 0; i < n; i++) if (this.seqAfterNl[base + i] === seq) return;
    if (n < REMEMBERED) {
      this.seqAfterNl[base + n] = seq;
      this.count[dir] = n + 1;
      return;
    }
    const a = this.seqAfterNl[base] as number;
    const b = this.seqAfterNl[base + 1] as number;
    const oldest = before(a, b) ? 0 : 1;
    if (after(seq, this.seqAfterNl[base + oldest] as number)) this.seqAfterNl[base + oldest] = seq;
  }
}

/** TCP sequence comparison modulo 2^32 (the kernel's before()). */
export function before(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function after(a: number, b: number): boolean {
  return before(b, a);
}

/** sizeof(struct nf_ct_ftp_master): what the helper declares as its private data. */
export const FTP_MASTER_SIZE = 24;
