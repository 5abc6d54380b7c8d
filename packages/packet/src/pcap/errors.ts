/**
 * The one error type every capture reader throws for a malformed or truncated
 * file. Callers that want to salvage a damaged capture rely on two promises:
 *
 * - it is thrown only after every complete record before the damage has been
 *   delivered, so whatever was read so far can still be written out;
 * - `offset` is the file offset of the first byte of the record or block that
 *   could not be read (or of the bad field in a file header), so truncating
 *   the file to `offset` bytes leaves a clean capture.
 */
export class PcapFormatError extends Error {
  override readonly name = "PcapFormatError";
  /** File offset of the record, block or header that is damaged. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}
