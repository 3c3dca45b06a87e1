/**
 * `npm run bench`: every scenario in one process run, so ratios compare figures taken on the same machine state.
 * Each scenario prints its own floor, leakward's figure and their ratio. `npm run bench -- scan` runs one.
 */
import os from 'node:os';

const scenarios: Record<string, () => Promise<{ run(argv: string[]): Promise<void> }>> = {
  scan: () => import('./scan.bench.js'),
  quality: () => import('./quality.bench.js'),
  quality2: () => import('./quality2/run.js'),
  quality3: () => import('./quality3/run.js'),
  quality4: () => import('./quality4/run.js'),
  history: () => import('./history.bench.js'),
  mask: () => import('./mask.bench.js'),
  speed: () => import('./speed.bench.js'),
  fingerprint: () => import('./fingerprint.bench.js'),
  precision: () => import('./precision.bench.js'),
  queue: () => import('./queue.bench.js'),
};

const argv = process.argv.slice(2);
const chosen = argv.filter((a) => a in scenarios);
const rest = argv.filter((a) => !(a in scenarios));
console.log(`leakward bench — node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.availableParallelism()}, ${os.platform()} ${os.arch()}`);
for (const name of chosen.length ? chosen : Object.keys(scenarios)) {
  console.log(`\n## ${name}`);
  try {
    await (await scenarios[name]!()).run(rest);
  } catch (err) {
    console.log(`${name}: failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
