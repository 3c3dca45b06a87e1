/**
 * Input that yields nothing, or a scan that fails, never reads as clean: no report on a failure before scanning,
 * a report marked incomplete for a partial one, exit 2 both times; empty input is a notice and exit 0; `--state`
 * refuses selections it could not record exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli } from './run-cli.js';
import { tempRepo, fakeAwsKey } from '../sources/git-fixture.js';


test('history: a failure before scanning writes no report; a partial scan is marked unsuccessful', async () => {
  const r = tempRepo();
  try {
    r.write('a.txt', `k=${fakeAwsKey(81)}\n`);
    r.commit('first');
    for (const format of ['sarif', 'json', 'text']) {
      const out = path.join(r.dir, `o.${format}`);
      const res = await cli(['history', '--repo', r.dir, 'no-such-rev', '-f', format, '-o', out], r.dir);
      assert.equal(res.code, 2, res.err);
      assert.ok(!fs.existsSync(out), `${format}: no report file`);
      assert.match(res.err, /nothing was scanned/);
      const stdout = await cli(['history', '--repo', r.dir, 'no-such-rev', '-f', format], r.dir);
      assert.equal(stdout.code, 2);
      assert.equal(stdout.out, '', `${format}: nothing on stdout (no "[]", no "No secrets found.")`);
    }
    // a missing object half way: what was read is reported, and the run says it did not finish
    r.write('b.txt', 'this blob will vanish\n');
    r.commit('second');
    r.write('c.txt', 'later\n');
    r.commit('third');
    const blob = r.git('rev-parse', 'HEAD~1:b.txt');
    fs.rmSync(path.join(r.dir, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    const sarifFile = path.join(r.dir, 'partial.sarif');
    const partial = await cli(['history', '--repo', r.dir, '-f', 'sarif', '-o', sarifFile], r.dir);
    assert.equal(partial.code, 2);
    const sarif = JSON.parse(fs.readFileSync(sarifFile, 'utf8')) as { runs: { invocations: { executionSuccessful: boolean; toolExecutionNotifications?: { message: { text: string } }[] }[] }[] };
    const inv = sarif.runs[0]!.invocations[0]!;
    assert.equal(inv.executionSuccessful, false);
    assert.match(inv.toolExecutionNotifications?.[0]?.message.text ?? '', /not scanned/);
    const text = await cli(['history', '--repo', r.dir, '--no-color'], r.dir);
    assert.equal(text.code, 2);
    assert.doesNotMatch(text.out, /No secrets found/);
    assert.match(text.out, /Scan incomplete/);
  } finally {
    r.cleanup();
  }
});

test('history --state refuses selections it cannot record exactly', async () => {
  const r = tempRepo();
  const state = path.join(os.tmpdir(), `lw-state-${process.pid}.json`);
  try {
    r.write('a.txt', '1\n');
    r.commit('1');
    r.write('a.txt', '2\n');
    r.commit('2');
    for (const extra of [['--max-commits', '1'], ['--since', '2001-01-01'], ['--log-opts', '--all'], ['HEAD~1..HEAD'], ['^HEAD~1', 'HEAD'], ['HEAD^!']]) {
      const res = await cli(['history', '--repo', r.dir, '--state', state, ...extra], r.dir);
      assert.equal(res.code, 2, `${extra.join(' ')}: ${res.err}`);
      assert.match(res.err, /--state cannot be combined/);
      assert.ok(!fs.existsSync(state), 'no state written');
    }
    // whole histories up to named tips are recorded exactly
    const ok = await cli(['history', '--repo', r.dir, '--state', state, '--branch', 'main'], r.dir);
    assert.equal(ok.code, 0, ok.err);
    assert.ok(fs.existsSync(state));
  } finally {
    fs.rmSync(state, { force: true });
    r.cleanup();
  }
});

test('diff: empty input is a notice and exit 0; input that is no diff is exit 2; garbage pre-push stdin is exit 2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-diffin-'));
  const r = tempRepo();
  try {
    const empty = await cli(['diff', '-'], dir, '');
    assert.equal(empty.code, 0);
    assert.match(empty.err, /empty input/);
    const junk = await cli(['diff', '-', '-f', 'json'], dir, 'fatal: bad revision \'nope\'\nsomething else\n');
    assert.equal(junk.code, 2);
    assert.match(junk.err, /not a unified diff/);
    assert.equal(junk.out, '');
    r.write('a.txt', '1\n');
    r.commit('1');
    const garbage = await cli(['history', '--repo', r.dir, '--pre-push', 'origin', 'url'], r.dir, 'this is not a ref line\n');
    assert.equal(garbage.code, 2, garbage.err);
    const none = await cli(['history', '--repo', r.dir, '--pre-push', 'origin', 'url'], r.dir, '');
    assert.equal(none.code, 0, none.err);
    const names = await cli(['history', '--repo', r.dir, '--log-opts', '--all --name-only'], r.dir);
    assert.equal(names.code, 2);
    assert.match(names.err, /--name-only is not allowed/);
  } finally {
    r.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('history: a secret in a commit message is a finding of that commit, and no report prints it whole', async () => {
  const r = tempRepo();
  try {
    const k = fakeAwsKey(91), other = fakeAwsKey(92);
    r.write('a.txt', `x=${other}\n`);
    const sha = r.commit(`rotate ${k} for prod`);
    const json = await cli(['history', '--repo', r.dir, '-f', 'json'], r.dir);
    assert.equal(json.code, 1, json.err);
    const found = JSON.parse(json.out) as { File: string; Commit: string; StartLine: number; Message: string }[];
    assert.deepEqual(found.map((f) => `${f.File}@${f.StartLine}`).sort(), ['(commit message)@1', 'a.txt@1']);
    assert.ok(found.every((f) => f.Commit === sha));
    for (const format of ['json', 'sarif', 'text']) {
      const res = await cli(['history', '--repo', r.dir, '-f', format, '--no-color'], r.dir);
      assert.ok(!res.out.includes(k), `${format}: the message's secret is redacted everywhere`);
      assert.ok(!res.out.includes(other), `${format}: the file's secret is redacted`);
      assert.match(res.out, /rotate/, `${format}: the message is still printed`);
    }
    // `diff` of `git log -p` output sees it too
    const log = r.git('log', '-p');
    const d = await cli(['diff', '-', '-f', 'json'], r.dir, log + '\n');
    assert.ok((JSON.parse(d.out) as { File: string }[]).some((f) => f.File === '(commit message)'));
  } finally {
    r.cleanup();
  }
});
