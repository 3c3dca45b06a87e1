/**
 * `leakward mask` as a real process: `node bin/leakward.js mask -- …` (run `npx tsc` first).
 * Tests never assert timings; memory is asserted with a generous bound only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(root, 'bin', 'leakward.js');
const TOKEN = 'synthetic-token-value-0123';

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
}

function leakward(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bin, 'mask', ...args], {
      env: { PATH: process.env.PATH, MY_TOKEN: TOKEN, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
    p.stdin.end(opts.input ?? '');
  });
}

test('done-when: a base64-encoded env token prints ***', async () => {
  const r = await leakward(['--', 'sh', '-c', 'printf %s "$MY_TOKEN" | base64']);
  assert.equal(r.stdout.toString(), '***\n');
  assert.equal(r.code, 0);
});

test('exit codes: 0, the child’s 3, 127 not found, 126 not executable, 2 usage, 128+n when killed', async () => {
  assert.equal((await leakward(['--', 'true'])).code, 0);
  const three = await leakward(['--', 'sh', '-c', 'echo "$MY_TOKEN" >&2; exit 3']);
  assert.equal(three.code, 3);
  assert.equal(three.stderr.toString(), '***\n', 'stderr is masked too');
  const nf = await leakward(['--', 'leakward-no-such-command-xyz']);
  assert.equal(nf.code, 127);
  assert.match(nf.stderr.toString(), /command not found/);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-mask-'));
  const noexec = path.join(dir, 'script.sh');
  writeFileSync(noexec, '#!/bin/sh\necho hi\n');
  chmodSync(noexec, 0o644);
  assert.equal((await leakward(['--', noexec])).code, 126);
  assert.equal((await leakward(['--no-such-option'])).code, 2);
  assert.equal((await leakward(['--'])).code, 2);
  assert.equal((await leakward(['--secrets-file', path.join(dir, 'missing.json'), '--', 'true'])).code, 2);
  assert.equal((await leakward(['--', 'sh', '-c', 'kill -KILL $$'])).code, 128 + 9);
  assert.equal((await leakward(['--', 'sh', '-c', 'kill -TERM $$'])).code, 128 + 15);
});

function startChild(script: string): { p: ReturnType<typeof spawn>; out: Buffer[]; ready: Promise<void> } {
  const p = spawn(process.execPath, [bin, 'mask', '--', process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
  const out: Buffer[] = [];
  const ready = new Promise<void>((resolve) => {
    p.stdout!.on('data', (d: Buffer) => {
      out.push(d);
      if (Buffer.concat(out).includes('ready')) resolve();
    });
  });
  return { p, out, ready };
}

for (const [sig, n] of [['SIGTERM', 15], ['SIGINT', 2], ['SIGHUP', 1]] as const) {
  test(`${sig} is forwarded to the child once (no terminal attached)`, async () => {
    const script = `let n = 0; process.on('${sig}', () => { n++; setTimeout(() => { console.log('got ${sig} x' + n); process.exit(${n}); }, 200); }); console.log('ready'); setInterval(() => {}, 1000);`;
    const { p, out, ready } = startChild(script);
    await ready;
    p.kill(sig);
    const code = await new Promise<number | null>((resolve) => p.on('close', (c) => resolve(c)));
    assert.match(Buffer.concat(out).toString(), new RegExp(`got ${sig} x1\\n`));
    assert.equal(code, n, 'exit code is the child’s');
  });
}

test('a child writing binary data: every byte passes unchanged', async () => {
  const script = "const b = Buffer.alloc(256 * 64); for (let i = 0; i < b.length; i++) b[i] = i % 256; process.stdout.write(b);";
  const r = await leakward(['--', process.execPath, '-e', script]);
  const want = Buffer.alloc(256 * 64);
  for (let i = 0; i < want.length; i++) want[i] = i % 256;
  assert.equal(r.code, 0);
  assert.ok(r.stdout.equals(want), 'binary output is byte-identical');
});

test('::add-mask:: from the job registers the value in both streams and is not passed through', async () => {
  const r = await leakward(['--', 'sh', '-c', 'echo "::add-mask::job-secret-%0Avalue"; echo "job-secret-" >&2; sleep 0.1; echo "x value y"']);
  assert.equal(r.stdout.toString(), 'x *** y\n');
  assert.equal(r.stderr.toString(), '***\n');
});

test('filter mode: CMD | leakward mask', async () => {
  const r = await leakward([], { input: `a ${TOKEN} b\n`, env: { MY_TOKEN: TOKEN } });
  assert.equal(r.code, 0);
  assert.equal(r.stdout.toString(), 'a *** b\n');
});

test('--secret-env, --secret-env-pattern, --secrets-file and --no-rules', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-mask-'));
  const file = path.join(dir, 'secrets.json');
  writeFileSync(file, JSON.stringify({ deploy_key: 'file-secret-value' }));
  const env = { SHORT: 'abcd', CUSTOM_THING: 'custom-secret-value', TOKENIZERS_PARALLELISM: 'true' };
  const input = 'abcd custom-secret-value file-secret-value true\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n';
  const r = await leakward(['--secret-env', 'SHORT', '--secret-env-pattern', 'custom_*', '--secrets-file', file], { env, input });
  assert.equal(r.stdout.toString(), '*** *** *** true\n***\n');
  const nr = await leakward(['--no-rules'], { input });
  assert.equal(nr.stdout.toString(), input);
});

test('--secret-env too short to register: a warning naming the variable, never the value', async () => {
  const r = await leakward(['--secret-env', 'TINY'], { env: { TINY: 'xq7' }, input: 'a xq7 b\n' });
  assert.equal(r.code, 0);
  assert.equal(r.stdout.toString(), 'a xq7 b\n');
  assert.match(r.stderr.toString(), /warning: --secret-env TINY is shorter than 4 characters/);
  assert.ok(!r.stderr.toString().includes('xq7'), 'the value is not printed');
});

test('default env globs: DB_PASS, MYSQL_PWD, STRIPE_KEY, GH_PAT, NPM_AUTH_TOKEN are masked; PWD and paths are not', async () => {
  const env = { DB_PASS: 'synthetic-db-pass', MYSQL_PWD: 'synthetic-mysql-pwd', STRIPE_KEY: 'synthetic-stripe-key', GH_PAT: 'synthetic-gh-pat-1',
    NPM_AUTH_TOKEN: 'synthetic-npm-auth', PWD: '/home/ci/work', DEPLOY_KEY: '/home/ci/.ssh/deploy_key' };
  const r = await leakward([], { env, input: 'synthetic-db-pass synthetic-mysql-pwd synthetic-stripe-key synthetic-gh-pat-1 synthetic-npm-auth /home/ci/work /home/ci/.ssh/deploy_key\n' });
  assert.equal(r.stdout.toString(), '*** *** *** *** *** /home/ci/work /home/ci/.ssh/deploy_key\n');
});

test('a secrets file with a UTF-8 BOM is accepted', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-mask-'));
  const file = path.join(dir, 'secrets.json');
  writeFileSync(file, '\ufeff{"k":"bom-file-secret"}');
  const r = await leakward(['--secrets-file', file], { input: 'x bom-file-secret y\n' });
  assert.equal(r.code, 0);
  assert.equal(r.stdout.toString(), 'x *** y\n');
});

test('leakward mask -- yes | head -1 ends: the child stops when our reader goes away; stderr is still masked', async () => {
  const script = `"${process.execPath}" "${bin}" mask -- sh -c 'echo "err $MY_TOKEN" >&2; yes' | head -1`;
  const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
    const p = spawn('sh', ['-c', script], { env: { PATH: process.env.PATH, MY_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => p.kill('SIGKILL'), 20000);
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (code) => (clearTimeout(timer), resolve({ code, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() })));
  });
  assert.equal(r.code, 0, 'the pipeline ends by itself');
  assert.equal(r.out, 'y\n');
  assert.ok(r.err.includes('err ***'), 'stderr is masked');
  assert.ok(!r.err.includes(TOKEN), 'the token is not printed');
});

test('yes | leakward mask | head -1 ends', async () => {
  const script = `yes | "${process.execPath}" "${bin}" mask | head -1`;
  const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const p = spawn('sh', ['-c', script], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    const timer = setTimeout(() => p.kill('SIGKILL'), 20000);
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.on('error', reject);
    p.on('close', (code) => (clearTimeout(timer), resolve({ code, out: Buffer.concat(out).toString() })));
  });
  assert.equal(r.code, 0);
  assert.equal(r.out, 'y\n');
});

test('a child killed mid-secret: the held-back start of the secret is masked, not flushed', async () => {
  const r = await leakward(['--', 'sh', '-c', 'printf "x %s" "${MY_TOKEN%????}"; kill -KILL $$']);
  assert.equal(r.code, 128 + 9);
  assert.equal(r.stdout.toString(), 'x ***');
});

test('a child that exits while output is in flight: everything is flushed, exit code kept', async () => {
  const r = await leakward(['--', 'sh', '-c', `yes "line $MY_TOKEN" | head -n 200000; exit 4`]);
  assert.equal(r.code, 4);
  assert.equal(r.stdout.length, 200000 * 'line ***\n'.length);
});

test('a child writing 100 MB without a newline: memory stays bounded', async () => {
  const script = `const b = Buffer.alloc(1 << 16, 'a'); let left = 1600; const go = () => { while (left > 0) { left--; if (!process.stdout.write(b)) return process.stdout.once('drain', go); } }; go();`;
  const p = spawn(process.execPath, [bin, 'mask', '--', process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, MY_TOKEN: TOKEN } });
  let bytes = 0;
  let newlines = 0;
  let maxRssKb = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
      if (m) maxRssKb = Math.max(maxRssKb, Number(m[1]));
    } catch {
      // the process has exited
    }
  }, 20);
  p.stdout.on('data', (d: Buffer) => {
    bytes += d.length;
    if (d.includes(10)) newlines++;
  });
  const code = await new Promise<number | null>((resolve) => p.on('close', (c) => resolve(c)));
  clearInterval(poll);
  assert.equal(code, 0);
  assert.equal(bytes, 1600 * 65536, 'every byte came through');
  assert.equal(newlines, 0);
  assert.ok(maxRssKb === 0 || maxRssKb < 300 * 1024, `leakward RSS peaked at ${Math.round(maxRssKb / 1024)} MB`);
});

test('a regular file on stdin (read in 1 MiB chunks): secrets across the chunk boundaries are masked', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-mask-file-'));
  const file = path.join(dir, 'job.log');
  const MiB = 1024 * 1024;
  // The token straddles the first and the second 1 MiB boundary, and ends the file.
  const filler = (n: number): string => 'x'.repeat(n - 1) + '\n';
  const input = filler(MiB - 10) + TOKEN + filler(MiB - TOKEN.length - 5) + TOKEN + '\n' + filler(1000) + TOKEN;
  writeFileSync(file, input);
  const fd = openSync(file, 'r');
  const p = spawn(process.execPath, [bin, 'mask', '--secret-env', 'MY_TOKEN'], { stdio: [fd, 'pipe', 'pipe'], env: { PATH: process.env.PATH, MY_TOKEN: TOKEN } });
  const out: Buffer[] = [];
  p.stdout!.on('data', (d: Buffer) => out.push(d));
  const code = await new Promise<number | null>((resolve) => p.on('close', (c) => resolve(c)));
  closeSync(fd);
  assert.equal(code, 0);
  assert.equal(Buffer.concat(out).toString(), input.replaceAll(TOKEN, '***'), 'every token masked, every other byte as it was');
});
