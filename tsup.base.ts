/**
 * How every workspace package is built: ESM for Node 20, with source maps and
 * type declarations, into a dist/ emptied first. Each package's tsup.config.ts
 * spreads this and names its own entries (and may turn dts off for a tool
 * nobody imports). `node:` specifiers stay as the sources write them, where
 * tsup would strip the prefix by default.
 */
import type { Options } from "tsup";

export const base: Options = {
  format: ["esm"],
  target: "node20",
  platform: "node",
  dts: true,
  sourcemap: true,
  clean: true,
  removeNodeProtocol: false,
};
