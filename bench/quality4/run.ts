/**
 * Detection-quality bench #4: generates the blind corpus (bench/quality4/generate.ts) under bench/.work/quality4,
 * runs the REAL CLI (`node bin/leakward.js scan --no-git --format sarif <dir>`), matches unique (file, line) pairs
 * against the manifest; prints recall, precision, encoded recall, FP/MB and every miss / FP (values redacted).
 *
 *   node dist/bench/quality4/run.js [--seed N] [--cli PATH/TO/bin/leakward.js]
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from './generate.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function redact(s: string): string {
  return s.length === 0 ? "''" : `${s.slice(0, 4)}…(${s.length})`;
}

function runCli(dir: string, cli: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, 'scan', '--no-git', '--format', 'sarif', dir], { maxBuffer: 256 << 20, cwd: dir },
      (err, stdout, stderr) => {
        if (err && (err as { code?: number }).code !== 1) reject(new Error(`leakward failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      });
  });
}

interface SarifResult {
  ruleId?: string;
  locations?: { physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number; snippet?: { text?: string } } } }[];
}

export async function run(argv: string[]): Promise<void> {
  let seed = 4;
  let cli = path.join(repo, 'bin/leakward.js');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seed') seed = Number(argv[++i]);
    else if (argv[i] === '--cli') cli = path.resolve(argv[++i]!);
  }
  const corpus = generateCorpus(path.join(repo, 'bench/.work/quality4'), seed);
  const sarif = JSON.parse(await runCli(corpus.dir, cli)) as { runs: { results?: SarifResult[] }[] };
  const hits = new Map<string, { rule: string; text: string }>();
  for (const res of sarif.runs[0]?.results ?? []) {
    const loc = res.locations?.[0]?.physicalLocation;
    let uri = decodeURIComponent(loc?.artifactLocation?.uri ?? '').replace(/^file:\/\//, '');
    if (path.isAbsolute(uri)) uri = path.relative(corpus.dir, uri);
    const key = `${uri}:${loc?.region?.startLine ?? 0}`;
    const prev = hits.get(key);
    hits.set(key, { rule: prev ? `${prev.rule},${res.ruleId}` : res.ruleId ?? '?', text: loc?.region?.snippet?.text ?? '' });
  }
  const want = new Map(corpus.planted.map((p) => [`${p.file}:${p.line}`, p]));
  const misses = corpus.planted.filter((p) => !hits.has(`${p.file}:${p.line}`));
  const fps = [...hits].filter(([k]) => !want.has(k));
  const tp = hits.size - fps.length;
  const enc = corpus.planted.filter((p) => p.encoded);
  const encHit = enc.filter((p) => hits.has(`${p.file}:${p.line}`)).length;
  const mb = corpus.bytes / 1e6;
  console.log(`quality4 seed=${seed}: ${corpus.planted.length} planted, ${(corpus.bytes / 1024).toFixed(1)} KiB`);
  console.log(`recall ${(100 * (corpus.planted.length - misses.length) / corpus.planted.length).toFixed(1)}%  ` +
    `precision ${(100 * tp / Math.max(1, hits.size)).toFixed(1)}%  encoded recall ${(100 * encHit / Math.max(1, enc.length)).toFixed(1)}%  ` +
    `FP/MB ${(fps.length / mb).toFixed(1)} (${fps.length} FP)`);
  for (const m of misses) console.log(`  MISS ${m.kind.padEnd(18)} ${m.file}:${m.line}${m.encoded ? ' [enc]' : ''} ${redact(m.value)}`);
  for (const [k, v] of fps) console.log(`  FP   ${v.rule.padEnd(18)} ${k} ${redact(v.text)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run(process.argv.slice(2));
}
