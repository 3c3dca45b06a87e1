import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Fragment } from '../../src/core/types.js';
import { historyFragments, historyLogArgs, inspectRepo, parsePrePush, resolveTips } from '../../src/sources/history.js';
import { stagedFragments } from '../../src/sources/staged.js';
import { COMMIT_METADATA_PATH } from '../../src/sources/diff.js';
import { GitError } from '../../src/sources/git.js';
import { tempRepo, fakeAwsKey, redact } from './git-fixture.js';

/** Where a needle sits among the fragments: commit sha, path, real line number (each occurrence). */
function locate(frags: Fragment[], needle: string): { sha: string; path: string; line: number }[] {
  const out: { sha: string; path: string; line: number }[] = [];
  for (const f of frags) {
    const lines = (f.content as Buffer).toString('utf8').split('\n');
    lines.forEach((l, i) => { if (l.includes(needle)) out.push({ sha: f.commit?.sha ?? '', path: f.path, line: f.lineNumbers?.[i] ?? -1 }); });
  }
  return out;
}

/** The file fragments (commit metadata fragments are tested on their own). */
async function collect(it: AsyncIterable<Fragment>): Promise<Fragment[]> {
  const out: Fragment[] = [];
  for await (const f of it) if (f.path !== COMMIT_METADATA_PATH) out.push(f);
  return out;
}

test('history: side-branch secret, evil merge, cherry-pick, no repeat at the merge', async () => {
  const r = tempRepo();
  try {
    const k1 = fakeAwsKey(1), k2 = fakeAwsKey(2);
    r.write('a.txt', 'one\ntwo\nthree\n');
    r.commit('base');
    r.git('checkout', '-q', '-b', 'side');
    r.write('config.env', `A=1\nB=2\naws_key=${k1}\n`);
    const side = r.commit('side adds a key');
    r.git('checkout', '-q', 'main');
    r.write('a.txt', 'one\ntwo\nthree\nfour\n');
    r.commit('main moves on');
    r.git('merge', '-q', '--no-ff', '--no-commit', 'side');
    r.write('a.txt', `one\ntwo\nthree\nfour\nevil=${k2}\n`);
    r.git('add', 'a.txt');
    r.git('commit', '-q', '--no-verify', '-m', 'merge side (evil)');
    const merge = r.git('rev-parse', 'HEAD');
    r.git('checkout', '-q', '-b', 'pick', 'main~1');
    r.git('cherry-pick', side);
    const pick = r.git('rev-parse', 'HEAD');

    for (const merges of ['cc', 'remerge'] as const) {
      const frags = await collect(historyFragments({ repo: r.dir, merges }));
      assert.deepEqual(locate(frags, k1).sort((a, b) => a.sha.localeCompare(b.sha)),
        [{ sha: side, path: 'config.env', line: 3 }, { sha: pick, path: 'config.env', line: 3 }].sort((a, b) => a.sha.localeCompare(b.sha)),
        `key ${redact(k1)} at the side commit and the cherry-pick only (${merges})`);
      assert.deepEqual(locate(frags, k2), [{ sha: merge, path: 'a.txt', line: 5 }], `evil line at the merge (${merges})`);
      const m = frags.find((f) => f.commit?.sha === merge);
      assert.equal(m?.commit?.message, 'merge side (evil)');
      assert.equal(m?.commit?.email, 'author@example.com');
    }
    // Several git processes: the same fragments.
    const key = (f: Fragment): string => `${f.commit?.sha}:${f.path}:${(f.content as Buffer).toString()}:${Array.from(f.lineNumbers ?? []).join(',')}`;
    const one = (await collect(historyFragments({ repo: r.dir }))).map(key).sort();
    for (const jobs of [2, 3, 8]) {
      assert.deepEqual((await collect(historyFragments({ repo: r.dir, jobs }))).map(key).sort(), one, `jobs=${jobs}`);
    }
    // A revision range and --branch.
    const onlyPick = await collect(historyFragments({ repo: r.dir, revisions: ['main~1..pick'] }));
    assert.deepEqual(locate(onlyPick, k1).map((x) => x.sha), [pick]);
    const mainOnly = await collect(historyFragments({ repo: r.dir, branch: 'main', exclude: [side] }));
    assert.deepEqual(locate(mainOnly, k1), []);
    assert.equal(locate(mainOnly, k2).length, 1);
  } finally {
    r.cleanup();
  }
});

test('history: unknown revision is a GitError after nothing was yielded', async () => {
  const r = tempRepo();
  try {
    r.write('a', 'x\n');
    r.commit('one');
    await assert.rejects(collect(historyFragments({ repo: r.dir, revisions: ['no-such-branch'] })), (e: unknown) => e instanceof GitError && /no-such-branch|bad revision|unknown revision/.test((e as Error).message));
  } finally {
    r.cleanup();
  }
});

test('inspectRepo: not a repo, empty repo, shallow clone', async () => {
  const r = tempRepo();
  try {
    await assert.rejects(inspectRepo('/'), /not a git repository/);
    assert.equal((await inspectRepo(r.dir)).empty, true);
    r.write('a', '1\n'); r.commit('1');
    r.write('a', '1\n2\n'); r.commit('2');
    r.write('a', '1\n2\n3\n'); r.commit('3');
    const info = await inspectRepo(r.dir);
    assert.equal(info.empty, false);
    assert.equal(info.shallow, false);
    const c = tempRepo('lw-shallow-');
    c.cleanup();
    const { execFileSync } = await import('node:child_process');
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${r.dir}`, c.dir], { stdio: 'ignore' });
    try {
      assert.equal((await inspectRepo(c.dir)).shallow, true);
      const frags = await collect(historyFragments({ repo: c.dir }));
      assert.deepEqual(frags.map((f) => (f.content as Buffer).toString()), ['1\n2\n3'], 'the shallow boundary shows the whole file as added');
    } finally {
      c.cleanup();
    }
  } finally {
    r.cleanup();
  }
});

test('resolveTips and parsePrePush', async () => {
  const r = tempRepo();
  try {
    r.write('a', '1\n');
    const c1 = r.commit('1');
    r.git('tag', '-a', 'v1', '-m', 'annotated');
    r.git('checkout', '-q', '-b', 'b');
    r.write('a', '2\n');
    const c2 = r.commit('2');
    assert.deepEqual(await resolveTips(r.dir, {}), [c1, c2].sort());
    assert.deepEqual(await resolveTips(r.dir, { revisions: ['main..b'] }), [c2]);
  } finally {
    r.cleanup();
  }
  const z = '0'.repeat(40), a = 'a'.repeat(40), b = 'b'.repeat(40);
  assert.deepEqual(parsePrePush(`refs/heads/x ${a} refs/heads/x ${b}\nrefs/heads/new ${b} refs/heads/new ${z}\n(delete) ${z} refs/heads/old ${a}\n`),
    { include: [a, b], exclude: [b], newRef: true });
  assert.deepEqual(parsePrePush(''), { include: [], exclude: [], newRef: false });
  // anything else than git's ref lines fails closed
  for (const junk of ['hello world\n', `refs/heads/x ${a} refs/heads/x\n`, `refs/heads/x ${a} refs/heads/x nothex\n`, `a ${a} b ${b} extra\n`]) {
    assert.throws(() => parsePrePush(junk), GitError, JSON.stringify(junk));
  }
});

test('--log-opts that suppress patches, write files or reshape the diff are refused', () => {
  for (const bad of ['--all -s', '--all --name-only', '--name-status', '--no-patch', '--output=o.txt', '--output o.txt',
    '--ext-diff', '--textconv', '--color=always', '--format=%H', '--oneline', '-R', '--graph', '--word-diff', '--no-prefix',
    '--output-indicator-new=>']) {
    assert.throws(() => historyLogArgs({ logOpts: bad }), GitError, bad);
  }
  for (const ok of ['--all', '--all --since=2020-01-01', 'main..feature -- src', '-Spassword --all', '--first-parent main']) {
    assert.doesNotThrow(() => historyLogArgs({ logOpts: ok }), ok);
  }
});

test('staged: the index, not the work tree; renames are not new content', async () => {
  const r = tempRepo();
  try {
    const k = fakeAwsKey(3);
    r.write('keep.txt', 'base\n');
    r.write('move me.txt', `x\ny=${fakeAwsKey(4)}\n`);
    r.commit('base');
    r.write('new.txt', `line1\nkey=${k}\n`);
    r.git('add', 'new.txt');
    r.write('new.txt', 'line1\nfixed in the work tree only\n');
    r.git('mv', 'move me.txt', 'moved é.txt');
    const frags = await collect(stagedFragments({ repo: r.dir }));
    assert.deepEqual(locate(frags, k), [{ sha: '', path: 'new.txt', line: 2 }], 'the staged key is seen');
    assert.deepEqual(locate(frags, fakeAwsKey(4)), [], 'a pure rename adds no lines');
    // Before the first commit too.
    const e = tempRepo();
    try {
      e.write('first.txt', `k=${k}\n`);
      e.git('add', '.');
      assert.equal(locate(await collect(stagedFragments({ repo: e.dir })), k).length, 1);
    } finally {
      e.cleanup();
    }
  } finally {
    r.cleanup();
  }
});

test('history: evil merge lines keep their real line numbers (git -U0 combined-diff drift)', async () => {
  const r = tempRepo();
  try {
    const k = fakeAwsKey(5);
    const base = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`);
    r.write('f.txt', base.join('\n') + '\n');
    r.commit('base');
    r.git('checkout', '-q', '-b', 'side');
    r.write('other.txt', 'side work\n');
    r.commit('side');
    r.git('checkout', '-q', 'main');
    r.write('main.txt', 'main work\n');
    r.commit('main');
    r.git('merge', '-q', '--no-ff', '--no-commit', 'side');
    // Delete line 3, keep line 4, replace lines 5-6: one unchanged line between two changes.
    const evil = [...base.slice(0, 2), base[3]!, `key = ${k}`, 'new b', ...base.slice(6)];
    r.write('f.txt', evil.join('\n') + '\n');
    r.git('add', 'f.txt');
    r.git('commit', '-q', '--no-verify', '-m', 'evil');
    const merge = r.git('rev-parse', 'HEAD');
    for (const merges of ['cc', 'remerge'] as const) {
      const frags = await collect(historyFragments({ repo: r.dir, merges }));
      assert.deepEqual(locate(frags, k), [{ sha: merge, path: 'f.txt', line: 4 }], `line of ${redact(k)} (${merges})`);
    }
  } finally {
    r.cleanup();
  }
});

test('staged: committing a merge scans only what the merge adds, not the merged branch', async () => {
  const r = tempRepo();
  try {
    const old = fakeAwsKey(6), evil = fakeAwsKey(7);
    r.write('f.txt', '1\n2\n3\n');
    r.commit('base');
    r.git('checkout', '-q', '-b', 'side');
    r.write('f.txt', `1\n2\n3\nside=${old}\n`);
    r.write('s.txt', `also=${old}\n`);
    r.commit('side');
    r.git('checkout', '-q', 'main');
    r.write('f.txt', '0\n1\n2\n3\n');
    r.commit('main');
    r.git('merge', '-q', '--no-commit', 'side');
    r.write('f.txt', `0\n1\n2\n3\nside=${old}\nevil=${evil}\n`);
    r.git('add', 'f.txt');
    const frags = await collect(stagedFragments({ repo: r.dir }));
    assert.deepEqual(locate(frags, old), [], `the branch's ${redact(old)} is not reported again`);
    assert.deepEqual(locate(frags, evil), [{ sha: '', path: 'f.txt', line: 6 }]);
  } finally {
    r.cleanup();
  }
});

test('history: awkward file names through real git, with core.quotePath on and off', async () => {
  const r = tempRepo();
  try {
    const names = ['sp ace.txt', 'new\nline', 'ta\tb', 'quo"te', 'ünï cødé.txt', ' and b'];
    names.forEach((n, i) => r.write(n, `v${i}\n`));
    const ten = Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n') + '\n';
    r.write('sp ace.txt', ten);
    r.commit('names');
    fs.mkdirSync(path.join(r.dir, 'dir with space'));
    r.git('mv', 'sp ace.txt', 'dir with space/sp ace2.txt');
    r.write('dir with space/sp ace2.txt', `${ten}more\n`);
    r.write('bin file.p12', '\0\x01\x02binary\0');
    r.commit('rename + binary');
    for (const quote of ['true', 'false']) {
      r.git('config', 'core.quotePath', quote);
      const frags = await collect(historyFragments({ repo: r.dir }));
      const got = frags.map((f) => `${f.path}=${(f.content as Buffer).toString()}@${Array.from(f.lineNumbers ?? []).join(',')}`).sort();
      assert.deepEqual(got, [
        ' and b=v5@1', 'bin file.p12=\0\x01\x02binary\0@1', 'dir with space/sp ace2.txt=more@11', 'new\nline=v1@1', 'quo"te=v3@1',
        `sp ace.txt=${ten.slice(0, -1)}@1,2,3,4,5,6,7,8,9,10`, 'ta\tb=v2@1', 'ünï cødé.txt=v4@1',
      ].sort(), `core.quotePath=${quote}`);
    }
  } finally {
    r.cleanup();
  }
});

test('a repository\'s attributes and diff drivers never hide text from staged and history', async () => {
  const r = tempRepo();
  try {
    const keys = [fakeAwsKey(71), fakeAwsKey(72), fakeAwsKey(73), fakeAwsKey(74)];
    // every way a repository can make git print "Binary files … differ" or hide the text behind a driver
    r.write('.gitattributes', '*.env -diff\n*.dat binary\n*.cfg diff=hide\n*.ini diff=ext\n');
    r.git('config', 'diff.hide.binary', 'true');
    r.git('config', 'diff.hide.textconv', 'sh -c "echo nothing here"');
    r.git('config', 'diff.ext.command', 'true');
    r.git('config', 'diff.external', 'true');
    r.git('config', 'core.bigFileThreshold', '1');
    r.write('a.env', `TOKEN=${keys[0]}\n`);
    r.write('b.dat', `key ${keys[1]}\n`);
    r.write('c.cfg', `key=${keys[2]}\n`);
    r.write('d.ini', `key=${keys[3]}\n`);
    r.git('add', '.');
    const staged = await collect(stagedFragments({ repo: r.dir }));
    for (const k of keys) assert.equal(locate(staged, k).length, 1, `staged sees ${redact(k)}`);
    const sha = r.commit('add config');
    const hist = await collect(historyFragments({ repo: r.dir }));
    for (const k of keys) assert.deepEqual(locate(hist, k).map((l) => l.sha), [sha], `history sees ${redact(k)}`);
    // real binary content still reaches the scanner as bytes (the scanner calls it binary from its NULs)
    fs.writeFileSync(path.join(r.dir, 'img.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0a, 1, 2]));
    r.git('add', 'img.png');
    const bin = (await collect(stagedFragments({ repo: r.dir }))).filter((f) => f.path === 'img.png');
    assert.equal(bin.length, 1);
    assert.ok((bin[0]!.content as Buffer).includes(0), 'binary bytes are passed through');
  } finally {
    r.cleanup();
  }
});
