import { defineConfig } from "tsup";

export default defineConfig({
  // Core modules are separate entries: they are import()ed on modprobe like plugins.
  entry: [
    "src/index.ts",
    "src/core/nf_conntrack.ts",
    "src/core/nf_nat.ts",
    "src/core/nf_conntrack_proto_gre.ts",
  ],
  format: ["esm"],
  target: "node20",
  platform: "node",
  dts: true,
  sourcemap: true,
  clean: true,
  removeNodeProtocol: false,
});
