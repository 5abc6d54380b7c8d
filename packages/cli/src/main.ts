#!/usr/bin/env node
import { processIo } from "./io.js";
import { runCli } from "./run.js";

runCli(process.argv.slice(2), processIo(), { cwd: process.cwd(), env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // Only bugs get here: user mistakes are turned into one-line errors earlier.
    process.stderr.write(
      `ctkit: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 70;
  },
);
