/**
 * Fingerprint cost: 100 `lw2:` fingerprints (scrypt, distinct secrets so the cache never answers) beside the
 * floor of 100 `lw1:` HMAC-SHA256 fingerprints, in the same run. The target: 100 fingerprints under 100 ms on a CI
 * core, so a scan with hundreds of findings stays quick while a dictionary attack on a committed baseline pays
 * a scrypt per guess. Run alone: `node dist/bench/fingerprint.bench.js`.
 */
import { pathToFileURL } from 'node:url';
import { fingerprint, fingerprintV1 } from '../src/core/fingerprint.js';

function time(fn: (i: number) => void, n: number): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export async function run(_argv: string[]): Promise<void> {
  const rounds = 5;
  let best = Infinity;
  let floor = Infinity;
  for (let r = 0; r < rounds; r++) {
    // Fresh secrets each round: the fingerprint cache must not answer.
    floor = Math.min(floor, time((i) => fingerprintV1('generic-password', `Summer2024x-${r}-${i}`, 'salt'), 100));
    best = Math.min(best, time((i) => fingerprint('generic-password', `Summer2024x-${r}-${i}`, 'salt'), 100));
  }
  console.log(`fingerprint  floor lw1 HMAC-SHA256: ${floor.toFixed(2)} ms / 100`);
  console.log(`fingerprint  leakward lw2 scrypt:   ${best.toFixed(2)} ms / 100  (target < 100 ms; ${(best / floor).toFixed(0)}x the floor; best of ${rounds})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run(process.argv.slice(2));
