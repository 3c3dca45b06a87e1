/**
 * The sweep as a real process: Ctrl-C (SIGINT) mid-sweep stops cleanly (exit 130) with whole batches recorded, and
 * the next run finishes the rest with nothing lost or recorded twice; without better-sqlite3, sweep/report/triage
 * say how to get it while scan still runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/store/index.js';
import { fakeAwsKey, tempDir } from './helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(repoRoot, 'bin', 'leakward.js');

/** A repository of `n` commits built with one git fast-import stream; commit `keyAt` plants a synthetic key. */
function bigRepo(n: number, keyAt: number): string {
  const dir = tempDir('lw-sweep-big-');
  spawnSync('git', ['init', '-q', '-b', 'main', dir]);
  let s = '';
  for (let c = 1; c <= n; c++) {
    const who = `Dev <dev@example.com> ${1_600_000_000 + c * 60} +0000\n`;
    const body = c === keyAt ? `aws_access_key_id = ${fakeAwsKey(77)}\n` : `line ${c}\n`.repeat(20);
    s += `commit refs/heads/main\nmark :${c}\nauthor ${who}committer ${who}data 4\nc${String(c % 100).padStart(2, '0')}\n`;
    if (c > 1) s += `from :${c - 1}\n`;
    s += `M 100644 inline f${c % 50}.txt\ndata ${Buffer.byteLength(body)}\n${body}\n`;
  }
  const r = spawnSync('git', ['fast-import', '--quiet'], { cwd: dir, input: s });
  assert.equal(r.status, 0, r.stderr?.toString());
  return dir;
}

test('sweep process: SIGINT stops cleanly; the next run resumes with nothing lost or recorded twice', { timeout: 120_000 }, async () => {
  const repo = bigRepo(3000, 2500);
  const dir = tempDir();
  const db = path.join(dir, 's.db');
  const child = spawn(process.execPath, [bin, 'sweep', repo, '--db', db, '--batch-size', '100', '--no-progress'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // Interrupt once some batches are recorded (read through WAL while the sweep writes).
  let done = 0;
  for (let i = 0; i < 600 && done === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    if (!fs.existsSync(db)) continue;
    try { const s = openStore(db); done = s.scannedCount(); s.close(); } catch { /* not created yet */ }
  }
  child.kill('SIGINT');
  const code = await exited;
  const s1 = openStore(db);
  const recorded = s1.scannedCount();
  const repos = s1.repos().length;
  s1.close();
  if (code === 130) {
    assert.match(err, /interrupted/);
    assert.ok(recorded % 100 === 0 && recorded < 3000, `whole batches only (${recorded})`);
    assert.equal(repos, 0, 'an interrupted repository is not recorded as swept');
  } else {
    assert.equal(code, 1, `the sweep finished before the signal landed (${err})`);
  }
  const again = spawnSync(process.execPath, [bin, 'sweep', repo, '--db', db, '--no-progress'], { cwd: dir, encoding: 'utf8' });
  assert.equal(again.status, 1, again.stderr);
  assert.match(again.stderr, new RegExp(`3000 commits, ${code === 130 ? 3000 - recorded : 0} scanned`));
  const s2 = openStore(db);
  assert.equal(s2.scannedCount(), 3000);
  const f = s2.findings();
  assert.equal(f.length, 1);
  assert.equal(f[0]!.occurrences, 1);
  s2.close();
});

test('sweep process: without better-sqlite3, sweep says how to get it and scan still works', () => {
  const dir = tempDir();
  const hide = path.join(dir, 'hide-sqlite.cjs');
  // Makes require('better-sqlite3') fail as it does where the optional dependency could not be built.
  fs.writeFileSync(hide, `const M = require('module'); const orig = M._resolveFilename;
M._resolveFilename = function (req, ...rest) { if (req === 'better-sqlite3') { const e = new Error("Cannot find module 'better-sqlite3'"); e.code = 'MODULE_NOT_FOUND'; throw e; } return orig.call(this, req, ...rest); };\n`);
  const env = { ...process.env, NODE_OPTIONS: `--require ${hide}` };
  for (const args of [['sweep', dir], ['report', '--db', 'x.db'], ['triage', '--export-baseline', 'b.json']]) {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /npm install better-sqlite3@12/, args[0]);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${args[0]}: one line`);
  }
  fs.writeFileSync(path.join(dir, 'clean.txt'), 'nothing here\n');
  const scan = spawnSync(process.execPath, [bin, 'scan', path.join(dir, 'clean.txt')], { cwd: dir, env, encoding: 'utf8' });
  assert.equal(scan.status, 0, scan.stderr);
});
