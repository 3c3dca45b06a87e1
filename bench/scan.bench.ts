/**
 * Scan benchmark (the foundation issue's figures), all in one run over the same generated input:
 *
 *   floor      list and read every file of the corpus on as many worker threads as the scan uses (MB/s)
 *   leakward   `scanFragments(filesSource(...))`, full built-in pack, decoding on (MB/s, ratio to floor)
 *   leakward   the same with decoding off (`maxDecodeDepth: 0`), to show what decoding costs
 *   start-up   `node bin/leakward.js scan <one small file>`, median of N spawns (and bare `node -e 0` for context)
 *
 * The corpus is generated deterministically (seeded PRNG, no network) under bench/.work/scan-<size>mb/ and reused
 * while its marker matches: ~100 MB of JS/TS/Python/Go/Java/YAML/JSON/.env/Markdown full of `key`, `token`,
 * `secret` identifiers, hex hashes and base64 blobs (so the keyword prefilter lets plenty through), with a few
 * planted synthetic secrets. Quote ratios from one run; absolute MB/s depend on the machine and its load.
 *
 * Usage: node dist/bench/scan.bench.js [--size MB] [--threads N] [--spawns N]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { builtinConfig, filesSource, scanFragments, type Config, type Fragment } from '../src/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const workDir = path.join(repoRoot, 'bench', '.work');
/** Bump when the generator changes, so stale corpora are rebuilt. */
const GENERATOR_VERSION = 5;
const TARGET_MBPS = 60;
const TARGET_STARTUP_MS = 150;

export async function run(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const corpus = ensureCorpus(args.sizeMB);
  const threads = args.threads;
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  console.log(`scan benchmark: ${fmtMB(corpus.bytes)} MB in ${corpus.files} files (${path.relative(repoRoot, corpus.dir)}), ` +
    `${corpus.planted} planted secrets`);
  console.log(`Node ${process.version}, ${cpu} × ${os.availableParallelism()} (threads: ${threads}), ` +
    `load average ${os.loadavg()[0]!.toFixed(1)} at start`);

  // Warm the page cache and the JIT: one untimed read pass.
  await floor(corpus.dir, threads);
  const floorRes = await floor(corpus.dir, threads);
  const floorMBps = mbps(floorRes.bytes, floorRes.ms);
  row(`floor (list + read files, ${threads} threads)`, `${fmt(floorMBps)} MB/s`);

  let config: Config | undefined;
  try {
    config = builtinConfig();
  } catch (err) {
    row('leakward', `n/a (${errText(err)})`);
  }
  if (config) {
    for (const [label, depth] of [['decoding on', undefined], ['decoding off', 0]] as const) {
      try {
        const r = await scanCorpus(corpus.dir, config, threads, depth);
        const s = mbps(corpus.bytes, r.ms);
        const target = depth === undefined ? `  target ≥ ${TARGET_MBPS} MB/s ${s >= TARGET_MBPS ? 'ok' : 'MISSED'}` : '';
        row(`leakward (${config.rules.length} rules, ${label})`,
          `${fmt(s)} MB/s  ratio ${(s / floorMBps).toFixed(3)}  ${r.findings} findings${target}`);
        // CPU-normalised figure: steadier than wall-clock MB/s when other work shares the machine.
        row('', `(${fmt(mbps(corpus.bytes, r.cpuMs))} MB per CPU-second, ${(r.cpuMs / 1000).toFixed(1)} s CPU in ${(r.ms / 1000).toFixed(1)} s)`);
        if (r.skipped > 0) row('', `(${r.skipped} files skipped)`);
      } catch (err) {
        row(`leakward (${label})`, `n/a (${errText(err)})`);
      }
    }
  }

  const nodeMs = startup([process.execPath, '-e', '0'], args.spawns);
  row('node start-up (node -e 0)', nodeMs.ok ? `${nodeMs.median.toFixed(0)} ms (median of ${args.spawns})` : `n/a (${nodeMs.why})`);
  const small = smallFile();
  const cli = startup([process.execPath, path.join(repoRoot, 'bin', 'leakward.js'), 'scan', small], args.spawns, path.dirname(small));
  row('CLI start-up (scan one small file)', cli.ok
    ? `${cli.median.toFixed(0)} ms (median of ${args.spawns})  target ≤ ${TARGET_STARTUP_MS} ms ${cli.median <= TARGET_STARTUP_MS ? 'ok' : 'MISSED'}`
    : `n/a (${cli.why})`);
}

// ---------------------------------------------------------------------------------------------------
// Measurements

/**
 * A reader worker for the floor: reads every file it is sent with the calls leakward's workers use
 * (open, fstat-free sync reads, close) and acknowledges each batch; `null` asks for its byte count.
 */
const FLOOR_WORKER = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const buf = Buffer.allocUnsafe(1 << 20);
let bytes = 0;
parentPort.on('message', (files) => {
  if (files === null) return parentPort.postMessage({ bytes });
  for (const f of files) {
    const fd = fs.openSync(f, 'r');
    try { for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) bytes += n; } finally { fs.closeSync(fd); }
  }
  parentPort.postMessage({ ack: true });
});`;

/** The floor: list the corpus with the same source and read every byte on `threads` worker threads. */
async function floor(dir: string, threads: number): Promise<{ bytes: number; ms: number }> {
  const t0 = performance.now();
  const workers = Array.from({ length: threads }, () => new Worker(FLOOR_WORKER, { eval: true }));
  try {
    const it = filesSource({ root: dir, useGit: false }).fragments()[Symbol.asyncIterator]();
    let done = false;
    const nextBatch = async (): Promise<string[] | undefined> => {
      const files: string[] = [];
      while (!done && files.length < 32) {
        const r = await it.next();
        if (r.done) done = true;
        else if ((r.value as Fragment).filePath) files.push((r.value as Fragment).filePath!);
      }
      return files.length > 0 ? files : undefined;
    };
    // Each worker keeps one batch in hand and one queued, like the scan's pool.
    const feed = async (w: Worker): Promise<number> => {
      let outstanding = 0;
      const acked = (): Promise<void> => new Promise((resolve, reject) => {
        const onMsg = (): void => { w.off('error', reject); resolve(); };
        w.once('message', onMsg);
        w.once('error', reject);
      });
      for (let b = await nextBatch(); b; b = await nextBatch()) {
        w.postMessage(b);
        if (++outstanding >= 2) { await acked(); outstanding--; }
      }
      while (outstanding-- > 0) await acked();
      const total = new Promise<number>((resolve) => w.once('message', (m: { bytes: number }) => resolve(m.bytes)));
      w.postMessage(null);
      return total;
    };
    const counts = await Promise.all(workers.map(feed));
    return { bytes: counts.reduce((a, b) => a + b, 0), ms: performance.now() - t0 };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function scanCorpus(dir: string, config: Config, threads: number, maxDecodeDepth: number | undefined): Promise<{ ms: number; cpuMs: number; findings: number; skipped: number }> {
  let findings = 0;
  let skipped = 0;
  const cpu0 = process.cpuUsage(); // all threads of the process: main + workers
  const t0 = performance.now();
  const source = filesSource({ root: dir, useGit: false });
  const opts = { threads, onSkip: () => { skipped++; }, ...(maxDecodeDepth === undefined ? {} : { maxDecodeDepth }) };
  for await (const _ of scanFragments(source.fragments(), config, opts)) findings++;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, findings, skipped };
}

type Startup = { ok: true; median: number } | { ok: false; why: string };

function startup(cmd: string[], n: number, cwd?: string): Startup {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd, encoding: 'utf8', timeout: 30_000 });
    const ms = performance.now() - t0;
    if (r.error) return { ok: false, why: r.error.message };
    // 0 = clean, 1 = findings; anything else (usage error, not implemented, crash) is not a start-up figure.
    if (r.status !== 0 && r.status !== 1) {
      const line = (r.stderr || r.stdout || '').split('\n').find((l) => l.trim() !== '') ?? '';
      return { ok: false, why: `exit ${r.status ?? r.signal}${line ? `: ${line.trim().slice(0, 100)}` : ''}` };
    }
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { ok: true, median: times[Math.floor(times.length / 2)]! };
}

function smallFile(): string {
  const dir = path.join(workDir, 'startup');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'small.ts');
  fs.writeFileSync(file, "export function add(a: number, b: number): number {\n  return a + b;\n}\n");
  return file;
}

// ---------------------------------------------------------------------------------------------------
// Corpus generation: deterministic, so every run (and every machine) scans the same bytes.

interface Corpus { readonly dir: string; readonly bytes: number; readonly files: number; readonly planted: number }

function ensureCorpus(sizeMB: number): Corpus {
  const dir = path.join(workDir, `scan-${sizeMB}mb`);
  const marker = path.join(dir, '.complete.json');
  try {
    const m = JSON.parse(fs.readFileSync(marker, 'utf8')) as Corpus & { version: number };
    if (m.version === GENERATOR_VERSION) return { dir, bytes: m.bytes, files: m.files, planted: m.planted };
  } catch {
    // absent or stale: rebuild
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  const rnd = new Rng(0x1ea4_3a7d ^ sizeMB);
  const target = sizeMB * 1024 * 1024;
  let bytes = 0;
  let files = 0;
  let planted = 0;
  while (bytes < target) {
    const kind = rnd.weighted(KINDS);
    const sub = path.join(dir, kind.dir, `pkg${String(Math.floor(files / 40)).padStart(3, '0')}`);
    if (files % 40 === 0 || !fs.existsSync(sub)) fs.mkdirSync(sub, { recursive: true });
    const size = Math.min(target - bytes, 2048 + Math.floor(rnd.next() ** 2 * 48 * 1024));
    const plant = rnd.next() < 0.03;
    const text = kind.make(rnd, Math.max(size, 256), plant);
    if (plant) planted++;
    const file = path.join(sub, `${rnd.ident()}_${files}${kind.ext}`);
    fs.writeFileSync(file, text);
    bytes += Buffer.byteLength(text);
    files++;
  }
  const corpus = { dir, bytes, files, planted };
  fs.writeFileSync(marker, JSON.stringify({ ...corpus, version: GENERATOR_VERSION }));
  console.log(`generated corpus in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return corpus;
}

/** mulberry32: tiny, fast, good enough for test data. */
class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]!; }
  weighted<T extends { readonly weight: number }>(xs: readonly T[]): T {
    let total = 0;
    for (const x of xs) total += x.weight;
    let r = this.next() * total;
    for (const x of xs) if ((r -= x.weight) < 0) return x;
    return xs[xs.length - 1]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  hex(chars: number): string { return this.bytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars); }
  b64(n: number): string { return this.bytes(n).toString('base64'); }
  chars(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
  ident(): string {
    const a = this.pick(WORDS);
    const b = this.pick(WORDS);
    return this.next() < 0.5 ? a : `${a}${b[0]!.toUpperCase()}${b.slice(1)}`;
  }
  Ident(): string { const s = this.ident(); return s[0]!.toUpperCase() + s.slice(1); }
  words(n: number): string { return Array.from({ length: n }, () => this.pick(PROSE)).join(' '); }
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const WORDS = ['key', 'token', 'secret', 'apiKey', 'authToken', 'secretKey', 'accessToken', 'password', 'user', 'client',
  'config', 'request', 'response', 'session', 'cache', 'hash', 'digest', 'value', 'buffer', 'handler', 'service', 'store',
  'index', 'result', 'payload', 'header', 'signature', 'nonce', 'credential', 'account', 'id', 'name', 'url', 'path'];
/** Names for base64 blobs: data, as in real code (a blob named like a credential is a finding, rightly). */
const BLOB_NAMES = ['fixture', 'icon', 'payload', 'data', 'blob', 'sample', 'expected', 'digest', 'pngData', 'image', 'chunk'];
const PROSE = ['the', 'a', 'key', 'token', 'secret', 'is', 'used', 'to', 'sign', 'each', 'request', 'and', 'rotate', 'every',
  'deploy', 'password', 'never', 'commit', 'API', 'client', 'returns', 'value', 'when', 'cache', 'expires', 'for', 'the',
  'service', 'account', 'of', 'this', 'module', 'see', 'docs', 'config', 'environment', 'variable', 'hash', 'stored'];

/** A planted synthetic secret: real formats, random (not documented-example) values. */
function plantedSecret(r: Rng): string {
  switch (r.int(7)) {
    case 0: return `AKIA${r.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`;
    case 1: { const body = r.chars(ALNUM, 30); return `ghp_${body}${base62(crc32(body), 6)}`; } // checksum-valid shape
    case 2: return `xoxb-${r.chars('0123456789', 12)}-${r.chars('0123456789', 13)}-${r.chars(ALNUM, 24)}`;
    case 3: return `sk_live_${r.chars(ALNUM, 24)}`;
    case 4: return `glpat-${r.chars(ALNUM, 20)}`;
    case 5: return `AIza${r.chars(ALNUM + '-_', 35)}`;
    default: return Buffer.from(`aws_secret_access_key=${r.chars(ALNUM + '/+', 40)}`).toString('base64');
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(s: string): number {
  let crc = 0xffffffff;
  for (const b of Buffer.from(s)) crc = CRC_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
/** GMP Base62, '0'-padded: the alphabet GitHub's token checksums use. */
function base62(n: number, width: number): string {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let out = '';
  for (let v = n; v > 0; v = Math.floor(v / 62)) out = digits[v % 62] + out;
  return out.padStart(width, '0');
}

type LineFn = (r: Rng) => string;

function fill(r: Rng, size: number, plant: boolean, head: readonly string[], lines: readonly LineFn[], plantLine: (s: string) => string): string {
  const out: string[] = [...head];
  let n = head.reduce((a, l) => a + l.length + 1, 0);
  // Somewhere in the first half of the file (lines average well over 30 bytes, so this is always reached).
  const plantAt = plant ? r.int(Math.max(1, Math.floor(size / 60))) : -1;
  for (let i = 0; n < size || i <= plantAt; i++) {
    const l = i === plantAt ? plantLine(plantedSecret(r)) : r.pick(lines)(r);
    out.push(l);
    n += l.length + 1;
  }
  return out.join('\n') + '\n';
}

const jsLines: LineFn[] = [
  (r) => `const ${r.ident()} = require('./${r.ident()}');`,
  (r) => `export async function ${r.ident()}(${r.ident()}, ${r.ident()}) {`,
  (r) => `  const token = await getToken(${r.ident()}.${r.ident()});`,
  () => `  if (!secretKey) throw new Error('missing secret key');`,
  () => '  headers.Authorization = `Bearer ${token}`;',
  (r) => `  const hash = '${r.hex(40)}';`,
  (r) => `  const ${r.pick(BLOB_NAMES)} = '${r.b64(24 + r.int(72))}';`,
  (r) => `  // ${r.words(6 + r.int(10))}`,
  (r) => `  return { key: ${r.ident()}, value: ${r.int(100000)}, secret: process.env.${r.ident().toUpperCase()} };`,
  (r) => `  this.${r.ident()} = config.${r.ident()} ?? '${r.ident()}';`,
  () => `}`,
  (r) => `  ${r.ident()}.set('${r.ident()}', ${r.ident()}(${r.int(1000)}));`,
];
const tsLines: LineFn[] = [
  ...jsLines,
  (r) => `export interface ${r.Ident()} { readonly ${r.ident()}: string; ${r.ident()}?: number }`,
  (r) => `  private readonly ${r.ident()}: Map<string, ${r.Ident()}> = new Map();`,
];
const pyLines: LineFn[] = [
  (r) => `def ${r.ident()}(self, ${r.ident()}, token=None):`,
  () => `    self.api_key = os.environ["API_KEY"]`,
  () => `SECRET_KEY = os.getenv("SECRET_KEY", "")`,
  (r) => `    checksum = "${r.hex(64)}"`,
  (r) => `    # ${r.words(5 + r.int(10))}`,
  (r) => `    return {"key": ${r.ident()}, "token": self.${r.ident()}, "n": ${r.int(9999)}}`,
  (r) => `    ${r.pick(BLOB_NAMES)} = base64.b64decode("${r.b64(16 + r.int(48))}")`,
  (r) => `import ${r.ident()}`,
];
const goLines: LineFn[] = [
  (r) => `func (c *Client) ${r.Ident()}(ctx context.Context, key string) (string, error) {`,
  () => `\ttoken, ok := c.tokens[key]`,
  () => `\tif !ok {\n\t\treturn "", ErrNoSecret\n\t}`,
  (r) => `\tconst digest = "${r.hex(64)}"`,
  (r) => `\t// ${r.words(6 + r.int(8))}`,
  (r) => `\t${r.ident()} := ${r.ident()}.${r.Ident()}(${r.int(100)})`,
  () => `}`,
];
const javaLines: LineFn[] = [
  () => `    private static final String TOKEN_HEADER = "X-Auth-Token";`,
  (r) => `    public String get${r.Ident()}() { return this.${r.ident()}; }`,
  (r) => `    private final String ${r.ident()}Hash = "${r.hex(40)}";`,
  (r) => `    // ${r.words(6 + r.int(10))}`,
  (r) => `    ${r.Ident()} ${r.ident()} = new ${r.Ident()}(secretKey, ${r.int(100)});`,
];
const yamlLines: LineFn[] = [
  () => `  api_key: \${API_KEY}`,
  () => `  token: "{{ .Values.token }}"`,
  (r) => `  image: registry.example.com/${r.ident()}@sha256:${r.hex(64)}`,
  (r) => `  ${r.ident()}: ${r.ident()}`,
  (r) => `  checksum: ${r.hex(32)}`,
  (r) => `# ${r.words(5 + r.int(8))}`,
  (r) => `  - name: ${r.ident().toUpperCase()}\n    valueFrom:\n      secretKeyRef: { name: ${r.ident()}, key: token }`,
];
const jsonLines: LineFn[] = [
  (r) => `    "${r.ident()}": { "version": "${r.int(9)}.${r.int(20)}.${r.int(30)}", "integrity": "sha512-${r.b64(64)}" },`,
  (r) => `    "${r.ident()}": "${r.ident()}",`,
  (r) => `    "key": "${r.hex(32)}",`,
  (r) => `    "token": null, "secret": "", "count": ${r.int(1000)},`,
];
const envLines: LineFn[] = [
  (r) => `${r.ident().toUpperCase()}=${r.ident()}`,
  () => `API_KEY=changeme`,
  () => `DATABASE_URL=postgres://app:\${DB_PASSWORD}@localhost:5432/app`,
  (r) => `# ${r.words(4 + r.int(6))}`,
  (r) => `CACHE_TTL=${r.int(3600)}`,
];
const mdLines: LineFn[] = [
  (r) => `${r.words(10 + r.int(20))}.`,
  (r) => `## ${r.Ident()} ${r.words(3)}`,
  (r) => `- \`${r.ident()}\`: ${r.words(6 + r.int(8))}`,
  (r) => '```sh\nexport TOKEN=<your token>\ncurl -H "Authorization: Bearer $TOKEN" https://api.example.com/' + r.ident() + '\n```',
  () => '',
];

interface Kind { readonly dir: string; readonly ext: string; readonly weight: number; make(r: Rng, size: number, plant: boolean): string }
const KINDS: readonly Kind[] = [
  { dir: 'web', ext: '.js', weight: 18, make: (r, n, p) => fill(r, n, p, ["'use strict';"], jsLines, (s) => `  const awsKey = '${s}';`) },
  { dir: 'app', ext: '.ts', weight: 18, make: (r, n, p) => fill(r, n, p, [`import { ${r.ident()} } from './${r.ident()}.js';`], tsLines, (s) => `  const token = "${s}";`) },
  { dir: 'py', ext: '.py', weight: 12, make: (r, n, p) => fill(r, n, p, ['import os', 'import base64'], pyLines, (s) => `TOKEN = "${s}"`) },
  { dir: 'go', ext: '.go', weight: 10, make: (r, n, p) => fill(r, n, p, ['package main', ''], goLines, (s) => `\tapiKey := "${s}"`) },
  { dir: 'java', ext: '.java', weight: 10, make: (r, n, p) => fill(r, n, p, [`public class ${r.Ident()} {`], javaLines, (s) => `    String secret = "${s}";`) },
  { dir: 'deploy', ext: '.yaml', weight: 10, make: (r, n, p) => fill(r, n, p, ['apiVersion: v1', 'kind: ConfigMap', 'data:'], yamlLines, (s) => `  access_token: ${s}`) },
  { dir: 'data', ext: '.json', weight: 8, make: (r, n, p) => fill(r, n, p, ['{', '  "dependencies": {'], jsonLines, (s) => `    "apiKey": "${s}",`) + '  }\n}\n' },
  { dir: 'env', ext: '.env', weight: 4, make: (r, n, p) => fill(r, n, p, [], envLines, (s) => `SECRET_TOKEN=${s}`) },
  { dir: 'docs', ext: '.md', weight: 10, make: (r, n, p) => fill(r, n, p, [`# ${r.Ident()}`, ''], mdLines, (s) => `Use \`${s}\` for the demo.`) },
];
// JS has `process.env.X` identifiers; .env files are named `<ident>_<n>.env`, close to real `.env.local` shapes.

// ---------------------------------------------------------------------------------------------------

function parseArgs(argv: string[]): { sizeMB: number; threads: number; spawns: number } {
  let sizeMB = 100;
  let threads = os.availableParallelism();
  let spawns = 15;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === '--size') sizeMB = Math.ceil(val());
    else if (a === '--threads') threads = Math.floor(val());
    else if (a === '--spawns') spawns = Math.floor(val());
    else if (a === '-h' || a === '--help') { console.log('usage: scan.bench [--size MB] [--threads N] [--spawns N]'); process.exit(0); }
    // Anything else belongs to another scenario (bench/run.ts hands every scenario the same argv).
  }
  return { sizeMB, threads, spawns };
}

function row(label: string, value: string): void { console.log(`  ${label.padEnd(44)} ${value}`); }
function mbps(bytes: number, ms: number): number { return bytes / (1024 * 1024) / (ms / 1000); }
function fmt(x: number): string { return x >= 100 ? x.toFixed(0) : x.toFixed(1); }
function fmtMB(bytes: number): string { return (bytes / (1024 * 1024)).toFixed(1); }
function errText(err: unknown): string { return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 120); }

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
