/**
 * Detection quality on the independent corpus #2 (bench/quality2/generate.ts), scored the way the judge scores:
 * the REAL CLI (`node bin/leakward.js scan --no-git --format sarif <corpus>`), findings matched by (file, startLine).
 *
 *   recall          planted secrets with a finding starting on their line / planted secrets
 *   precision       finding locations (unique file+line) on a planted line / all finding locations
 *   encoded recall  recall over planted base64 / percent / hex encoded secrets
 *   FP per MB       false-positive locations / corpus MB
 *
 * Usage: node dist/bench/quality2/run.js [--seed N] [--quiet] [--config FILE]
 * (`--config FILE`: scan with another rule pack, e.g. an older one concatenated into one TOML, to compare before/after)
 * Misses and false positives are listed with the rule id, file:line and a redacted excerpt of the line.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from './generate.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface SarifLike {
  runs: { results?: { ruleId?: string; locations?: { physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } } }[] }[] }[];
}

function runCli(root: string, config: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(repo, 'bin/leakward.js'), 'scan', '--no-git', '--format', 'sarif', ...(config ? ['--config', config] : []), root],
      { maxBuffer: 1 << 30, cwd: root },
      (err, stdout, stderr) => {
        // exit code 1 = findings; anything else is a failure
        if (err && (err as { code?: number }).code !== 1) reject(new Error(`leakward failed: ${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** Hides every run of 8+ token characters after its first 4 (never print a planted value whole). */
function redactLine(line: string): string {
  let out = '';
  let run = '';
  const flush = (): void => {
    out += run.length >= 8 ? run.slice(0, 4) + '…' : run;
    run = '';
  };
  for (const ch of line) {
    const c = ch.charCodeAt(0);
    const tokenChar = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || ch === '+' || ch === '/' || ch === '=' || ch === '_' || ch === '-';
    if (tokenChar) run += ch;
    else {
      flush();
      out += c < 32 ? ' ' : ch;
    }
  }
  flush();
  return out.trim().slice(0, 160);
}

export async function run(argv: string[]): Promise<void> {
  const seedArg = argv.indexOf('--seed');
  const seed = seedArg >= 0 ? Number(argv[seedArg + 1]) : 424242;
  const quiet = argv.includes('--quiet');
  const configArg = argv.indexOf('--config');
  const config = configArg >= 0 ? path.resolve(argv[configArg + 1]!) : undefined;
  const root = path.join(repo, 'bench/.work/quality2/corpus');
  const corpus = generateCorpus(root, seed);
  const t0 = Date.now();
  const sarif = JSON.parse(await runCli(root, config)) as SarifLike;
  const ms = Date.now() - t0;

  const planted = new Map<string, (typeof corpus.secrets)[number]>();
  for (const s of corpus.secrets) planted.set(`${s.file}:${s.line}`, s);
  const negatives = new Map<string, string>();
  for (const n of corpus.negatives) negatives.set(`${n.file}:${n.line}`, n.kind);

  const found = new Map<string, Set<string>>(); // location → rule ids
  for (const res of sarif.runs[0]?.results ?? []) {
    const loc = res.locations?.[0]?.physicalLocation;
    const uri = decodeURIComponent(loc?.artifactLocation?.uri ?? '');
    const key = `${uri}:${loc?.region?.startLine ?? 0}`;
    let set = found.get(key);
    if (!set) found.set(key, (set = new Set()));
    set.add(res.ruleId ?? '?');
  }

  let tp = 0;
  let encTotal = 0;
  let encFound = 0;
  const misses: string[] = [];
  for (const [key, s] of planted) {
    const hit = found.has(key);
    if (hit) tp++;
    if (s.encoded) {
      encTotal++;
      if (hit) encFound++;
    }
    if (!hit) misses.push(`${s.kind} ${key}${s.encoded ? ' [encoded]' : ''}`);
  }
  const fps: string[] = [];
  for (const [key, rules] of found) {
    if (planted.has(key)) continue;
    const [file, line] = [key.slice(0, key.lastIndexOf(':')), Number(key.slice(key.lastIndexOf(':') + 1))];
    let text = '';
    try {
      text = readFileSync(path.join(root, file), 'utf8').split('\n')[line - 1] ?? '';
    } catch {
      text = '(unreadable)';
    }
    fps.push(`${[...rules].join(',')} ${key} [${negatives.get(key) ?? 'unplanted'}] ${redactLine(text)}`);
  }
  const locations = found.size;
  const mb = corpus.bytes / 1e6;
  const pct = (a: number, b: number): string => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);
  console.log(
    `quality2: corpus seed ${seed}: ${corpus.files} files, ${mb.toFixed(2)} MB, ${planted.size} planted secrets (${encTotal} encoded), ${negatives.size} hard-negative lines; CLI scan ${ms} ms`,
  );
  console.log(`  recall          ${pct(tp, planted.size)}  (${tp}/${planted.size})`);
  console.log(`  precision       ${pct(locations - fps.length, locations)}  (${locations - fps.length}/${locations} finding locations)`);
  console.log(`  encoded recall  ${pct(encFound, encTotal)}  (${encFound}/${encTotal})`);
  console.log(`  FP per MB       ${(fps.length / mb).toFixed(3)}  (${fps.length} false-positive locations)`);
  if (!quiet) {
    for (const m of misses.sort()) console.log(`  miss ${m}`);
    for (const f of fps.sort()) console.log(`  fp   ${f}`);
  }
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  run(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
