import { defineConfig } from "tsup";

export default defineConfig({
  // child.js is spawned per cold sample and reference-module.js is what the
  // reference imports; main.js finds both next to itself in dist/.
  entry: ["src/main.ts", "src/child.ts", "src/reference-module.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  dts: false,
  sourcemap: true,
  clean: true,
  removeNodeProtocol: false,
});
