/**
 * What the PPTP helper reads of a packet: the helper view (bytes, layer
 * offsets, payload) plus the packet's time, which expectations count their
 * lifetime from. The datapath's Skb is one.
 */
import type { HelperPacket } from "@ctkit/helper-kit";

export interface PptpPacket extends HelperPacket {
  /** Seconds on the kernel's clock (the capture time in a replay). */
  readonly time: number;
}
