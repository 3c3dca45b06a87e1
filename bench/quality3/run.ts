/**
 * Detection-quality bench #3: generates the blind corpus (bench/quality3/generate.ts) under bench/.work/quality3,
 * runs the REAL CLI (`node bin/leakward.js scan --no-git --format sarif <dir>`), matches unique (file, line) pairs
 * against the manifest and prints recall, precision, encoded-secret recall and false positives per MB, then every
 * miss and false positive with rule id, file:line and a redacted value.
 *
 *   node dist/bench/quality3/run.js [--seed N] [--cli PATH/TO/bin/leakward.js]
 *
 * --cli runs another build (e.g. a checkout of an older pack) against the same corpus, for before/after figures.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus, type PlantedPositive } from './generate.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function redact(s: string): string {
  if (s.length === 0) return "''";
  return `${s.slice(0, 4)}…(${s.length})`;
}

interface Hit { file: string; line: number; ruleId: string; text: string }

function runCli(dir: string, cli: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, 'scan', '--no-git', '--format', 'sarif', dir],
      { maxBuffer: 256 * 1024 * 1024, cwd: dir },
      (err, stdout, stderr) => {
        // exit code 1 = findings: not an error here
        if (err && (err as { code?: number }).code !== 1) reject(new Error(`leakward failed: ${String(err.message)}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

function parseSarif(text: string, dir: string): Hit[] {
  const sarif = JSON.parse(text) as { runs: { results?: { ruleId?: string; locations?: { physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number; startColumn?: number; endColumn?: number; endLine?: number } } }[] }[] }[] };
  const hits: Hit[] = [];
  const cache = new Map<string, string[]>();
  for (const run of sarif.runs) {
    for (const r of run.results ?? []) {
      const loc = r.locations?.[0]?.physicalLocation;
      let uri = decodeURIComponent(loc?.artifactLocation?.uri ?? '');
      if (uri.startsWith('file://')) uri = fileURLToPath(uri);
      const abs = path.isAbsolute(uri) ? uri : path.resolve(dir, uri);
      const file = path.relative(dir, abs).split(path.sep).join('/');
      const line = loc?.region?.startLine ?? 0;
      let lines = cache.get(abs);
      if (!lines) {
        try { lines = readFileSync(abs, 'utf8').split('\n'); } catch { lines = []; }
        cache.set(abs, lines);
      }
      const src = [...(lines[line - 1] ?? '')];
      const sc = loc?.region?.startColumn ?? 1;
      const ec = loc?.region?.endLine && loc.region.endLine !== line ? src.length : (loc?.region?.endColumn ?? src.length);
      hits.push({ file, line, ruleId: r.ruleId ?? '?', text: src.slice(sc - 1, ec).join('') });
    }
  }
  return hits;
}

export async function run(argv: string[]): Promise<void> {
  const seedIdx = argv.indexOf('--seed');
  const seed = seedIdx >= 0 ? Number(argv[seedIdx + 1]) : undefined;
  const dir = path.join(repo, 'bench/.work/quality3');
  const corpus = generateCorpus(dir, seed);
  const started = Date.now();
  const cliIdx = argv.indexOf('--cli');
  const cli = cliIdx >= 0 && argv[cliIdx + 1] ? path.resolve(argv[cliIdx + 1]!) : path.join(repo, 'bin/leakward.js');
  const hits = parseSarif(await runCli(dir, cli), dir);
  const elapsed = Date.now() - started;

  const byPair = new Map<string, Hit[]>();
  for (const h of hits) {
    const k = `${h.file}:${h.line}`;
    const list = byPair.get(k) ?? [];
    list.push(h);
    byPair.set(k, list);
  }
  const posByFile = new Map<string, PlantedPositive[]>();
  for (const p of corpus.positives) posByFile.set(p.file, [...(posByFile.get(p.file) ?? []), p]);
  const negLabel = new Map(corpus.negatives.map((n) => [`${n.file}:${n.line}`, n.label]));

  const hitPos = new Set<PlantedPositive>();
  const fps: Hit[][] = [];
  for (const [, list] of byPair) {
    const h = list[0]!;
    const p = (posByFile.get(h.file) ?? []).find((q) => h.line >= q.line && h.line <= q.endLine);
    if (p) hitPos.add(p);
    else fps.push(list);
  }
  const tp = byPair.size - fps.length;
  const recall = hitPos.size / corpus.positives.length;
  const precision = byPair.size === 0 ? 1 : tp / byPair.size;
  const enc = corpus.positives.filter((p) => p.encoded);
  const encHit = enc.filter((p) => hitPos.has(p)).length;
  const mb = corpus.bytes / (1024 * 1024);
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

  console.log(`quality3: ${corpus.files} files, ${(corpus.bytes / 1024).toFixed(0)} KiB, ${corpus.positives.length} planted secrets (${enc.length} encoded), ${corpus.negatives.length} planted hard-negative lines; scan ${elapsed} ms`);
  console.log(`  recall          ${pct(recall)} (${hitPos.size}/${corpus.positives.length})`);
  console.log(`  precision       ${pct(precision)} (${tp}/${byPair.size} reported file:line pairs)`);
  console.log(`  encoded recall  ${pct(enc.length ? encHit / enc.length : 1)} (${encHit}/${enc.length})`);
  console.log(`  FP per MB       ${(fps.length / mb).toFixed(2)} (${fps.length} FP lines in ${mb.toFixed(2)} MB)`);
  const misses = corpus.positives.filter((p) => !hitPos.has(p));
  if (misses.length) {
    console.log(`  misses (${misses.length}):`);
    for (const m of misses) console.log(`    ${m.file}:${m.line}${m.endLine !== m.line ? `-${m.endLine}` : ''}  [${m.label}${m.encoded ? ', encoded' : ''}]  ${redact(m.secret)}`);
  }
  if (fps.length) {
    console.log(`  false positives (${fps.length}):`);
    for (const list of fps) {
      const h = list[0]!;
      const label = negLabel.get(`${h.file}:${h.line}`);
      console.log(`    ${h.file}:${h.line}  ${[...new Set(list.map((x) => x.ruleId))].join(',')}  ${redact(h.text)}${label ? `  (planted negative: ${label})` : ''}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
