/**
 * Which segments the helper looks at (conntrack_pptp_help's header checks
 * and pptp_msg_size): at least the 12 header bytes, PPTP message type 1,
 * the magic cookie, and for types 1..15 a body at least as long as the
 * message's structure. Types 0 and above 15 go on to the state machines
 * (which refuse them); echo messages have no minimum.
 */
import { describe, expect, it } from "vitest";
import { controlMessageType, PPTP_MSG_MAX } from "../dist/index.js";
import { bodySize, msg } from "./messages.js";

/** The kernel's struct sizes (include/linux/netfilter/nf_conntrack_pptp.h), by type. */
const KERNEL_SIZES = [0, 144, 144, 4, 4, 0, 0, 156, 20, 208, 12, 16, 4, 136, 28, 12];

function typeOf(m: Uint8Array, len = m.length): number {
  // At an offset inside a bigger buffer, as in a packet.
  const buf = new Uint8Array(40 + m.length);
  buf.set(m, 40);
  return controlMessageType(buf, 40, len);
}

describe("controlMessageType", () => {
  it.each(Array.from({ length: PPTP_MSG_MAX }, (_, i) => i + 1))(
    "type %i: accepted at its structure size, refused one byte short",
    (type) => {
      const size = KERNEL_SIZES[type] as number;
      expect(typeOf(msg(type, { bodyLength: size }))).toBe(type);
      expect(typeOf(msg(type, { bodyLength: size + 50 }))).toBe(type);
      if (size > 0) expect(typeOf(msg(type, { bodyLength: size - 1 }))).toBe(-1);
    },
  );

  it("takes the echo messages with no body at all", () => {
    expect(typeOf(msg(5, { bodyLength: 0 }))).toBe(5);
    expect(typeOf(msg(6, { bodyLength: 0 }))).toBe(6);
  });

  it("passes unknown types 0, 16 and 0xffff on with any body", () => {
    expect(typeOf(msg(0, { bodyLength: 0 }))).toBe(0);
    expect(typeOf(msg(16, { bodyLength: 3 }))).toBe(16);
    expect(typeOf(msg(0xffff, { bodyLength: 0 }))).toBe(0xffff);
  });

  it("ignores fewer than 12 bytes, another PPTP message type, or a wrong cookie", () => {
    const m = msg(1);
    for (let n = 0; n < 12; n++) expect(typeOf(m, n)).toBe(-1);
    expect(typeOf(msg(1, { pptpType: 2 }))).toBe(-1);
    expect(typeOf(msg(1, { pptpType: 0 }))).toBe(-1);
    expect(typeOf(msg(1, { magic: 0x1a2b3c4c }))).toBe(-1);
  });

  it("does not check the length field", () => {
    const m = msg(7);
    m[0] = 0;
    m[1] = 3;
    expect(typeOf(m)).toBe(7);
  });

  it("matches the test builder's sizes with the kernel's", () => {
    for (let t = 1; t <= 15; t++) {
      if (t === 5 || t === 6) continue;
      expect(bodySize(t)).toBe(KERNEL_SIZES[t]);
    }
  });
});
