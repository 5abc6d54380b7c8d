/**
 * The generator's output: DIR/lan-in.pcap (client→server), DIR/wan-in.pcap
 * (server→client), both classic pcap, LINKTYPE_RAW, microsecond stamps,
 * streamed through buffered file writers; and DIR/gen.json, what was asked
 * for and what came out (the datapath bench reads it to size the table).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createPcapFile, LinkType, type PcapWriter } from "@ctkit/packet";
import { MAX_PACKET } from "../encode.js";
import { type GenOptions, type GenSummary, generate } from "./generate.js";
import { formatMix } from "./plan.js";

export const LAN_FILE = "lan-in.pcap";
export const WAN_FILE = "wan-in.pcap";
export const MANIFEST_FILE = "gen.json";

export interface Manifest extends GenSummary {
  options: Omit<GenOptions, "mix"> & { mix: string };
  linkType: number;
  files: [lan: string, wan: string];
}

export function capturePaths(dir: string): [string, string] {
  return [join(dir, LAN_FILE), join(dir, WAN_FILE)];
}

export function generateFiles(o: GenOptions, dir: string): Manifest {
  mkdirSync(dir, { recursive: true });
  const paths = capturePaths(dir);
  const writers: PcapWriter[] = paths.map((p) =>
    createPcapFile(p, { linkType: LinkType.RAW, snapLength: MAX_PACKET }),
  );
  // One view per packet length over the encoder's buffer, made once.
  const views: Uint8Array[] = [];
  let summary: GenSummary;
  try {
    summary = generate(o, (dir, buf, len, sec, nsec) => {
      let view = views[len];
      if (view === undefined || view.buffer !== buf.buffer) {
        view = buf.subarray(0, len);
        views[len] = view;
      }
      (writers[dir] as PcapWriter).writePacket(sec, nsec, view);
    });
  } finally {
    for (const w of writers) w.close();
  }
  const manifest: Manifest = {
    ...summary,
    options: { ...o, mix: formatMix(o.mix) },
    linkType: LinkType.RAW,
    files: [LAN_FILE, WAN_FILE],
  };
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The manifest of a generated directory, or null when there is none. */
export function readManifest(dir: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8")) as Manifest;
  } catch {
    return null;
  }
}
