import { defineConfig } from "tsup";
import { base } from "../../tsup.base.js";

export default defineConfig({
  ...base,
  // Core modules are separate entries: they are import()ed on modprobe like plugins.
  entry: [
    "src/index.ts",
    "src/core/nf_conntrack.ts",
    "src/core/nf_nat.ts",
    "src/core/nf_conntrack_proto_gre.ts",
  ],
});
