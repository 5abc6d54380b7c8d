import { defineConfig } from "tsup";
import { base } from "../../tsup.base.js";

export default defineConfig({
  ...base,
  // child.js is spawned per cold sample and reference-module.js is what the
  // reference imports; ab-replay.js is imported once per build by `ab`;
  // main.js finds them next to itself in dist/.
  entry: {
    main: "src/main.ts",
    child: "src/child.ts",
    "reference-module": "src/reference-module.ts",
    "ab-replay": "src/ab/replay.ts",
  },
  dts: false,
});
