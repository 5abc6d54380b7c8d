import { defineConfig } from "tsup";
import { base } from "../../tsup.base.js";

// A command, not a library: nothing imports its types.
export default defineConfig({ ...base, entry: ["src/main.ts"], dts: false });
