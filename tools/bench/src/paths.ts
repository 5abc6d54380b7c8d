/**
 * Where things are, from this file's URL. tsup emits every entry and shared
 * chunk flat into tools/bench/dist/, so these hold for any built file.
 */
import { fileURLToPath } from "node:url";

/** The repository root: tools/bench/dist/ → ../../../ */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The per-sample script for cold runs. */
export const CHILD_SCRIPT = fileURLToPath(new URL("./child.js", import.meta.url));

/** The trivial ESM file the reference imports. */
export const REFERENCE_MODULE = fileURLToPath(new URL("./reference-module.js", import.meta.url));
