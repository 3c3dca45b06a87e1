/**
 * Core engine benchmark: the scanner over ~50 MB of mixed real source text (node_modules' .js/.ts/.json/.md,
 * concatenated deterministically, with synthetic secrets and encoded blobs sprinkled in) with the synthetic
 * 150-rule pack. Prints, in one process run:
 *   floor    — Buffer.indexOf of a byte that never occurs (memory bandwidth)
 *   ac-only  — the keyword automaton alone
 *   set      — prefilter alternative: RE2::Set per 1 MiB window, then every rule the set reports over the window
 *   scanner  — leakward's scanner, decoding off, then on (maxDecodeDepth 2)
 * Usage: node dist/bench/core.bench.js [MB]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScanner } from '../src/core/scanner.js';
import { KeywordAutomaton, HitList } from '../src/core/prefilter.js';
import { compileRegex, RegexSet } from '../src/core/regex.js';
import { findSegments, type Segment } from '../src/core/decoders.js';
import { builtinConfig } from '../src/core/config.js';
import type { Config } from '../src/core/types.js';
import { syntheticConfig, syntheticToken } from './synthetic-pack.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function corpus(mb: number): Buffer {
  const dir = path.join(root, 'bench', '.work');
  const file = path.join(dir, `core-mixed-${mb}m.txt`);
  if (existsSync(file)) return readFileSync(file);
  mkdirSync(dir, { recursive: true });
  const want = mb << 20;
  const parts: Buffer[] = [];
  let total = 0;
  let n = 0;
  const walk = (d: string): void => {
    if (total >= want) return;
    for (const name of readdirSync(d).sort()) {
      if (total >= want) return;
      const p = path.join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (/\.(js|ts|json|md|yml|yaml|mjs|cjs)$/.test(name) && st.size < 4 << 20) {
        const b = readFileSync(p);
        if (b.subarray(0, 8000).includes(0)) continue;
        parts.push(b);
        total += b.length;
        if (++n % 40 === 0) {
          const tok = syntheticToken('ghp_', n);
          const env = Buffer.from(`API_TOKEN=${syntheticToken('glpat-', n)}\nDB=postgres://u:p%40ss${n}word@db/x\n`).toString('base64');
          const extra = Buffer.from(`\nconst token = "${tok}";\nENV_B64: ${env}\n`);
          parts.push(extra);
          total += extra.length;
        }
      }
    }
  };
  walk(path.join(root, 'node_modules'));
  let buf = Buffer.concat(parts);
  while (buf.length < want) buf = Buffer.concat([buf, buf]);
  buf = buf.subarray(0, want);
  writeFileSync(file, buf);
  return buf;
}

function time(label: string, bytes: number, fn: () => number, baseline?: number): number {
  fn(); // warm-up (compiles the rules' regexes lazily)
  let s = Infinity;
  let r = 0;
  for (let k = 0; k < 3; k++) {
    const t0 = process.hrtime.bigint();
    r = fn();
    s = Math.min(s, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const mbs = bytes / (1 << 20) / s;
  console.log(`${label.padEnd(38)} ${mbs.toFixed(1).padStart(8)} MB/s  ${(s * 1000).toFixed(0).padStart(6)} ms  result=${r}` +
    (baseline ? `  (${(baseline / mbs).toFixed(2)}× the time of the first scanner row)` : ''));
  return mbs;
}

export async function run(argv: string[]): Promise<void> {
  const mb = Number(argv.find((a) => /^\d+$/.test(a)) ?? 50) || 50;
  const data = corpus(mb);
  const config = syntheticConfig();
  console.log(`core.bench: ${mb} MB mixed source, ${config.rules.length} rules, Node ${process.version}, ${os.cpus()[0]?.model ?? '?'}`);
  const W = 1 << 20;

  time('floor (indexOf absent byte)', data.length, () => data.indexOf(0xff));

  const kws = [...new Set(config.rules.flatMap((r) => r.keywords ?? []))];
  const ac = new KeywordAutomaton(kws);
  const hits = new HitList();
  time(`ac-only (${kws.length} keywords, ${ac.stateCount} states)`, data.length, () => {
    let n = 0;
    for (let o = 0; o < data.length; o += W) {
      hits.clear();
      ac.scan(data, o, Math.min(data.length, o + W), hits);
      n += hits.length / 2;
    }
    return n;
  });

  time('decoder segment search only', data.length, () => {
    let n = 0;
    const segs: Segment[] = [];
    for (let o = 0; o < data.length; o += W) {
      segs.length = 0;
      const win = data.subarray(o, Math.min(data.length, o + W));
      findSegments(win, 0, win.length, segs);
      n += segs.length;
    }
    return n;
  });

  // RE2::Set alternative
  try {
    const patterns = config.rules.map((r) => r.regex!).filter(Boolean);
    const t0 = process.hrtime.bigint();
    const set = new RegexSet(patterns);
    const res = patterns.map((p) => compileRegex(p));
    console.log(`  (RE2::Set of ${patterns.length} compiled in ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms)`);
    // RE2::Set's DFA thrashes with 150 patterns: measure on a 2 MiB sample only
    const sample = data.subarray(0, 2 * W);
    if (!argv.includes('--set')) throw new Error('skipped (pass --set; ~0.1 MB/s)');
    time('set prefilter + matching rules (2 MiB)', sample.length, () => {
      let n = 0;
      for (let o = 0; o < sample.length; o += W) {
        const win = sample.subarray(o, Math.min(sample.length, o + W));
        for (const i of set.match(win)) {
          let pos = 0;
          for (let m = res[i]!.exec(win, pos); m; m = res[i]!.exec(win, pos)) {
            n++;
            pos = m.end > m.start ? m.end : m.end + 1;
          }
        }
      }
      return n;
    });
  } catch (err) {
    console.log(`set prefilter: ${err instanceof Error ? err.message : String(err)}`);
  }

  const plain = createScanner(config, { maxDecodeDepth: 0 });
  const base = time('scanner, decoding off', data.length, () => plain.scanBuffer(data, { path: 'corpus.txt' }).length);
  const dec = createScanner(config, { maxDecodeDepth: 2 });
  time('scanner, decoding on (depth 2)', data.length, () => dec.scanBuffer(data, { path: 'corpus.txt' }).length, base);
  const high = createScanner(config);
  time('matchSpans (high-confidence rules)', data.length, () => high.matchSpans(data).length);

  let pack: Config | undefined;
  try {
    pack = builtinConfig();
  } catch (err) {
    console.log(`built-in pack not loadable: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (pack) {
    const t0 = process.hrtime.bigint();
    const p0 = createScanner(pack, { maxDecodeDepth: 0 });
    console.log(`built-in pack: ${pack.rules.length} rules, createScanner ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms`);
    const b = time('built-in pack, decoding off', data.length, () => p0.scanBuffer(data, { path: 'corpus.txt' }).length);
    const p2 = createScanner(pack, { maxDecodeDepth: 2 });
    time('built-in pack, decoding on (depth 2)', data.length, () => p2.scanBuffer(data, { path: 'corpus.txt' }).length, b);
    const ph = createScanner(pack);
    time('built-in pack, matchSpans', data.length, () => ph.matchSpans(data).length);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await run(process.argv.slice(2));
}
