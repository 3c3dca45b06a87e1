#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    // Last resort: never a stack trace for the user, never a secret (errors carry none).
    process.stderr.write(`leakward: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
