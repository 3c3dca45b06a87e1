/**
 * Mask benchmark, all in one run over the same generated log (STYLE habit 9):
 *
 *   floor      `cat < log > /dev/null` (spawned)                                    MB/s
 *   floor      `node -e 'process.stdin.pipe(process.stdout)'` (spawned pass-through) MB/s, ratio to cat
 *   leakward   `leakward mask --no-rules --secrets-file F < log > /dev/null`, 100 secrets   MB/s, ratio, peak RSS
 *   leakward   the same with rules on (built-in pack's high-confidence rules)            MB/s, ratio, peak RSS
 *   pipes      `cat log | leakward mask … | cat > /dev/null`, rules off and on (the CI shape: 64 KiB pipe reads;
 *              three processes share the machine's cores, so on a 2-core machine this row is mostly contention)
 *   in-process createMaskStream vs a naive per-chunk `replaceAll` peer (which misses split secrets)
 *   latency    a chunk ending in a line break, written to `leakward mask`, until it appears on its stdout
 *
 * The log is generated deterministically (seeded PRNG) under bench/.work/: ~200 MB of CI-like lines as a GitHub
 * runner writes them (7-digit timestamps, ANSI colours on most lines, paths, hashes, base64 blobs, URLs, and long lines:
 * minified JSON and compiler command lines of 2–16 KB) with one of the 100 registered secrets (or an encoded form)
 * every ~64 KiB. Targets (issue: speed round 2): rules on ≥ 0.6×, --no-rules ≥ 0.8× the Node pass-through.
 *   start-up   time until the child's first line is out, 10,000 secrets of 40 bytes (target ≤ 1 s) and 100 of
 *              48 KB (≤ 5 s, ≤ 1 GB peak RSS), beside the same with no secrets (floor); killed at 30 s or 2 GB.
 * Quote ratios from one run; absolute MB/s depend on the machine and its load.
 *
 * Usage: node dist/bench/mask.bench.js [--size MB] [--latency-rounds N]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMaskStream } from '../src/index.js';
import { mulberry32 as prng } from '../test/support/prng.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const workDir = path.join(repoRoot, 'bench', '.work');
const bin = path.join(repoRoot, 'bin', 'leakward.js');
const GENERATOR_VERSION = 3;
const TARGET_MBPS = 300;


interface Corpus {
  readonly log: string;
  readonly secretsFile: string;
  readonly bytes: number;
  readonly secrets: string[];
}

function ensureCorpus(sizeMB: number): Corpus {
  fs.mkdirSync(workDir, { recursive: true });
  const log = path.join(workDir, `mask-${sizeMB}mb-v${GENERATOR_VERSION}.log`);
  const secretsFile = path.join(workDir, `mask-secrets-v${GENERATOR_VERSION}.json`);
  const rnd = prng(20261124);
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const str = (n: number, abc = alnum): string => Array.from({ length: n }, () => abc[Math.floor(rnd() * abc.length)]).join('');
  const secrets = Array.from({ length: 100 }, () => str(20 + Math.floor(rnd() * 20))); // random: no shared prefix
  fs.writeFileSync(secretsFile, JSON.stringify(secrets));
  const want = sizeMB * 1024 * 1024;
  if (fs.existsSync(log) && fs.statSync(log).size >= want) return { log, secretsFile, bytes: fs.statSync(log).size, secrets };

  const words = ['compiling', 'linking', 'resolving', 'fetching', 'downloading', 'running', 'test', 'passed', 'PASS', 'ok',
    'warning:', 'error:', 'module', 'package', 'dependency', 'version', 'cache', 'hit', 'miss', 'artifact', 'upload', 'step',
    'Building', 'wheel', 'for', 'collected', 'items', 'in', 'the', 'with', 'from', 'node_modules', 'src/index.ts', 'path',
    'api-server', 'compat', 'token_count', 'secrets', 'password_reset_test', 'Sentry', 'https://registry.npmjs.org/pkg'];
  const colours = ['\x1b[32m', '\x1b[33m', '\x1b[36;1m', '\x1b[90m', '\x1b[1m', '\x1b[31m'];
  const line = (): string => {
    const ts = `2026-11-24T15:${String(Math.floor(rnd() * 60)).padStart(2, '0')}:${String(Math.floor(rnd() * 60)).padStart(2, '0')}.${str(7, '0123456789')}Z`;
    const kind = rnd();
    if (kind < 0.02) {
      // A long line: minified JSON or a compiler command line (2–16 KB).
      const n = 2048 + Math.floor(rnd() * 14336);
      let body = '';
      while (body.length < n) body += rnd() < 0.5 ? `"${str(6)}":"${str(4 + Math.floor(rnd() * 20))}",` : ` -I${words[Math.floor(rnd() * words.length)]}/${str(8)} -D${str(5).toUpperCase()}=1`;
      return `${ts} ${body}\n`;
    }
    if (kind < 0.6) {
      const c = colours[Math.floor(rnd() * colours.length)]!;
      const n = 3 + Math.floor(rnd() * 12);
      return `${ts} ${c}${Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]).join(' ')}\x1b[0m ${str(8)}\n`;
    }
    if (kind < 0.1) return `${ts} sha256:${str(64, '0123456789abcdef')} ${str(12)}\n`;
    if (kind < 0.15) return `${ts} data: ${Buffer.from(str(90)).toString('base64')}\n`;
    if (kind < 0.2) return `${ts} GET https://example.com/${str(8)}/${str(12)}?page=${Math.floor(rnd() * 100)} 200\n`;
    if (kind < 0.23) return `\x1b[32m${ts}\x1b[0m \x1b[1m${words[Math.floor(rnd() * words.length)]}\x1b[0m done\n`;
    const n = 4 + Math.floor(rnd() * 14);
    return `${ts} [${['INFO', 'DEBUG', 'WARN'][Math.floor(rnd() * 3)]}] ${Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]).join(' ')}\n`;
  };
  // 8 MB of unique text, repeated to the size (the automata do not care about repetition).
  const parts: string[] = [];
  let size = 0;
  let nextSecret = 65536;
  while (size < 8 * 1024 * 1024) {
    let l = line();
    if (size >= nextSecret) {
      const s = secrets[Math.floor(rnd() * secrets.length)]!;
      const forms = [s, Buffer.from(s).toString('base64'), encodeURIComponent(s), JSON.stringify(s)];
      l = `${l.slice(0, -1)} secret=${forms[Math.floor(rnd() * forms.length)]}\n`;
      nextSecret += 65536;
    }
    parts.push(l);
    size += Buffer.byteLength(l);
  }
  const block = Buffer.from(parts.join(''));
  const fd = fs.openSync(log, 'w');
  for (let written = 0; written < want; written += block.length) fs.writeSync(fd, block);
  fs.closeSync(fd);
  return { log, secretsFile, bytes: fs.statSync(log).size, secrets };
}

/** Runs a command with stdin from `file` and stdout to /dev/null; returns seconds and peak RSS (MB, from /proc). */
function timed(cmd: string, args: string[], file: string): Promise<{ seconds: number; rssMB: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const input = fs.openSync(file, 'r');
    const devnull = fs.openSync('/dev/null', 'w');
    const start = process.hrtime.bigint();
    const p = spawn(cmd, args, { stdio: [input, devnull, 'inherit'] });
    let rssKB = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p.pid}/status`, 'utf8'));
        if (m) rssKB = Math.max(rssKB, Number(m[1]));
      } catch {
        // exited
      }
    }, 25);
    p.on('error', reject);
    p.on('close', (code) => {
      clearInterval(poll);
      fs.closeSync(input);
      fs.closeSync(devnull);
      resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, rssMB: rssKB / 1024, code });
    });
  });
}

/** `cat file | node args… | cat > /dev/null`: seconds (no RSS: the shell's children are not polled); the exit code is the last cat's. */
function timedPipe(args: string[], file: string): Promise<{ seconds: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const q = (a: string): string => `'${a.replaceAll("'", "'\\''")}'`;
    const start = process.hrtime.bigint();
    // (POSIX sh has no pipefail: a failing masker shows as an implausible rate, not as an exit code.)
    const cmd = `cat ${q(file)} | ${[process.execPath, ...args].map(q).join(' ')} | cat > /dev/null`;
    const p = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('close', (code) => resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, code }));
  });
}

/** Writes `rounds` chunks (each ending in a line break) to `leakward mask`, timing each until it is echoed. */
async function latency(secretsFile: string, rounds: number): Promise<number[]> {
  const p = spawn(process.execPath, [bin, 'mask', '--secrets-file', secretsFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  const times: number[] = [];
  const WARMUP = 20; // the first rounds include start-up and JIT; not recorded
  let round = 0;
  let pending: { want: number; got: number; start: bigint; resolve: () => void } | undefined;
  p.stdout.on('data', (d: Buffer) => {
    if (!pending) return;
    pending.got += d.length;
    if (pending.got >= pending.want) {
      if (round >= WARMUP) times.push(Number(process.hrtime.bigint() - pending.start) / 1e6);
      const r = pending.resolve;
      pending = undefined;
      r();
    }
  });
  for (let i = 0; i < rounds + WARMUP; i++) {
    round = i;
    const chunk = Buffer.from(`2026-11-24T15:00:00Z [INFO] step ${i}: compiling src/module_${i}.ts ok\n`);
    await new Promise<void>((resolve) => {
      pending = { want: chunk.length, got: 0, start: process.hrtime.bigint(), resolve };
      p.stdin.write(chunk);
    });
  }
  p.stdin.end();
  await new Promise((r) => p.on('close', r));
  return times;
}

async function inProcess(corpus: Corpus, rules: boolean, mb: number): Promise<number> {
  const buf = fs.readFileSync(corpus.log).subarray(0, mb * 1024 * 1024);
  const s = createMaskStream({ secrets: corpus.secrets, rules });
  s.resume();
  const start = process.hrtime.bigint();
  for (let i = 0; i < buf.length; i += 65536) s.write(buf.subarray(i, i + 65536));
  s.end();
  await new Promise((r) => s.on('end', r));
  return buf.length / (Number(process.hrtime.bigint() - start) / 1e9) / 1e6;
}

function naivePeer(corpus: Corpus, mb: number): number {
  const buf = fs.readFileSync(corpus.log).subarray(0, mb * 1024 * 1024);
  const start = process.hrtime.bigint();
  let out = 0;
  for (let i = 0; i < buf.length; i += 65536) {
    let text = buf.subarray(i, i + 65536).toString('latin1');
    for (const s of corpus.secrets) if (text.includes(s)) text = text.replaceAll(s, '***');
    out += text.length;
  }
  if (out < 0) console.log(out);
  return buf.length / (Number(process.hrtime.bigint() - start) / 1e9) / 1e6;
}

/**
 * Seconds until `leakward mask --secrets-file F -- sh -c 'echo ready'` prints `ready`, and its peak RSS (MB). Killed
 * at `limitS` seconds or `limitMB` of RSS (then seconds is Infinity): today's quadratic builds must not take the
 * machine down.
 */
function timeToReady(secretsFile: string, limitS: number, limitMB: number): Promise<{ seconds: number; rssMB: number; killed: string }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const p = spawn(process.execPath, [bin, 'mask', '--no-rules', '--secrets-file', secretsFile, '--', 'sh', '-c', 'echo ready'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let rssKB = 0;
    let seconds = Infinity;
    let killed = '';
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p.pid}/status`, 'utf8'));
        if (m) rssKB = Math.max(rssKB, Number(m[1]));
      } catch {
        // exited
      }
      const el = Number(process.hrtime.bigint() - start) / 1e9;
      if (!killed && (el > limitS || rssKB / 1024 > limitMB)) {
        killed = el > limitS ? `killed after ${limitS} s` : `killed at ${limitMB} MB`;
        p.kill('SIGKILL');
      }
    }, 25);
    p.stdout.on('data', (d: Buffer) => {
      if (seconds === Infinity && d.includes('ready')) seconds = Number(process.hrtime.bigint() - start) / 1e9;
    });
    p.on('error', reject);
    p.on('close', () => {
      clearInterval(poll);
      resolve({ seconds: killed ? Infinity : seconds, rssMB: rssKB / 1024, killed });
    });
  });
}

async function startupScale(): Promise<void> {
  const rnd = prng(20261208);
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const str = (n: number): string => {
    let out = '';
    for (let i = 0; i < n; i++) out += alnum[Math.floor(rnd() * alnum.length)];
    return out;
  };
  const write = (name: string, values: string[]): string => {
    const f = path.join(workDir, name);
    fs.writeFileSync(f, JSON.stringify(values));
    return f;
  };
  const none = write('startup-none.json', []);
  const small = write('startup-10000x40.json', Array.from({ length: 10000 }, () => str(40)));
  const large = write('startup-100x48k.json', Array.from({ length: 100 }, () => str(48 * 1024)));
  const floor = await timeToReady(none, 30, 2048);
  const fmt = (r: { seconds: number; rssMB: number; killed: string }): string =>
    r.killed ? `did not start (${r.killed}; peak RSS ≥ ${r.rssMB.toFixed(0)} MB)`
      : r.seconds === Infinity ? `ended without the child's line (peak RSS ${r.rssMB.toFixed(0)} MB)`
        : `${(r.seconds * 1000).toFixed(0)} ms, peak RSS ${r.rssMB.toFixed(0)} MB`;
  console.log(`  start-up to the child's first line: no secrets (floor) ${fmt(floor)}`);
  const s = await timeToReady(small, 30, 2048);
  console.log(`  start-up, 10,000 secrets × 40 B: ${fmt(s)} (target ≤ 1000 ms) ${s.seconds <= 1 ? 'meets' : 'BELOW'}`);
  const l = await timeToReady(large, 30, 2048);
  console.log(`  start-up, 100 secrets × 48 KB: ${fmt(l)} (target ≤ 5000 ms, ≤ 1024 MB) ${l.seconds <= 5 && l.rssMB <= 1024 ? 'meets' : 'BELOW'}`);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

export async function run(argv: string[]): Promise<void> {
  let sizeMB = 200;
  let rounds = 200;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--size') sizeMB = Number(argv[++i]);
    else if (argv[i] === '--latency-rounds') rounds = Number(argv[++i]);
  }
  const corpus = ensureCorpus(sizeMB);
  const mb = corpus.bytes / 1e6;
  console.log(`mask benchmark: ${mb.toFixed(0)} MB log (${path.relative(repoRoot, corpus.log)}), ${corpus.secrets.length} registered secrets`);
  console.log(`Node ${process.version}, ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'} × ${os.availableParallelism()}`);

  await timed('cat', [], corpus.log); // warm the page cache
  const cat = await timed('cat', [], corpus.log);
  const pass = await timed(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], corpus.log);
  const offArgs = [bin, 'mask', '--no-rules', '--secrets-file', corpus.secretsFile];
  const onArgs = [bin, 'mask', '--secrets-file', corpus.secretsFile];
  const off = await timed(process.execPath, offArgs, corpus.log);
  const on = await timed(process.execPath, onArgs, corpus.log);
  const pipeOff = await timedPipe(offArgs, corpus.log);
  const pipeOn = await timedPipe(onArgs, corpus.log);
  for (const r of [cat, pass, off, on, pipeOff, pipeOn]) if (r.code !== 0) throw new Error(`a timed run failed (exit ${r.code}); figures would be meaningless`);
  // Start-up (module loading, pack compilation, automata) on empty input, to separate it from throughput.
  const empty = path.join(workDir, 'empty.log');
  fs.writeFileSync(empty, '');
  const startup = async (args: string[]): Promise<number> => {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await timed(process.execPath, args, empty);
      if (r.code !== 0) throw new Error(`start-up run failed (exit ${r.code})`);
      xs.push(r.seconds);
    }
    return median(xs);
  };
  const startOff = await startup(offArgs);
  const startOn = await startup(onArgs);
  const rate = (r: { seconds: number }): number => mb / r.seconds;
  const row = (name: string, r: { seconds: number; rssMB: number }): void => {
    console.log(`  ${name.padEnd(38)} ${rate(r).toFixed(0).padStart(6)} MB/s  ${(rate(r) / rate(cat)).toFixed(3).padStart(7)}× cat  peak RSS ${r.rssMB.toFixed(0)} MB`);
  };
  row('cat (floor)', cat);
  row('node pass-through (floor)', pass);
  row('leakward mask --no-rules (100 secrets)', off);
  row('leakward mask, rules on (100 secrets)', on);
  console.log(`  through pipes (cat | leakward mask | cat): rules off ${rate(pipeOff).toFixed(0)} MB/s, rules on ${rate(pipeOn).toFixed(0)} MB/s`);
  const ratio = (r: { seconds: number }): number => rate(r) / rate(pass);
  console.log(`  vs node pass-through: rules off ${ratio(off).toFixed(2)}× (target ≥ 0.8×) ${ratio(off) >= 0.8 ? 'meets' : 'BELOW'}; ` +
    `rules on ${ratio(on).toFixed(2)}× (target ≥ 0.6×) ${ratio(on) >= 0.6 ? 'meets' : 'BELOW'}`);
  for (const [r, st] of [[off, startOff], [on, startOn]] as const) {
    const steady = mb / (r.seconds - st);
    console.log(`  ${r === off ? 'rules off' : 'rules on '}: start-up ${(st * 1000).toFixed(0)} ms; steady state ${steady.toFixed(0)} MB/s ` +
      `(${(steady / rate(pass)).toFixed(2)}× node pass-through); ${rate(r) >= TARGET_MBPS ? 'meets' : 'BELOW'} the ${TARGET_MBPS} MB/s target end to end`);
  }
  const inMB = Math.min(50, sizeMB);
  console.log(`  in-process, ${inMB} MB: createMaskStream rules off ${(await inProcess(corpus, false, inMB)).toFixed(0)} MB/s, ` +
    `rules on ${(await inProcess(corpus, true, inMB)).toFixed(0)} MB/s; naive replaceAll peer ${naivePeer(corpus, inMB).toFixed(0)} MB/s (misses split secrets)`);
  await startupScale();
  const lat = await latency(corpus.secretsFile, rounds);
  console.log(`  latency (chunk written → chunk out, ${rounds} rounds): median ${median(lat).toFixed(2)} ms, p99 ${pct(lat, 0.99).toFixed(2)} ms, max ${Math.max(...lat).toFixed(2)} ms`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run(process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
