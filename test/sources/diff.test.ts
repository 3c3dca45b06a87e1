import { OVERLAP } from '../../src/core/scanner.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUnifiedDiff, unquoteCStyle, LOG_FORMAT } from '../../src/sources/diff.js';
import type { Fragment } from '../../src/core/types.js';

interface Got { path: string; content: string; lines: number[]; sha?: string }

async function parse(chunks: Iterable<Buffer>, maxFragmentBytes?: number): Promise<Got[]> {
  const out: Got[] = [];
  const opts = maxFragmentBytes ? { maxFragmentBytes } : {};
  for await (const f of parseUnifiedDiff(chunks, opts)) out.push(simplify(f));
  return out;
}

function simplify(f: Fragment): Got {
  const g: Got = { path: f.path, content: (f.content as Buffer).toString('utf8'), lines: Array.from(f.lineNumbers ?? []) };
  if (f.commit) g.sha = f.commit.sha;
  return g;
}

/** One write, byte by byte, and every two-way split. */
function* chunkings(input: Buffer): Generator<[string, Buffer[]]> {
  yield ['whole', [input]];
  yield ['bytewise', Array.from(input, (_, i) => input.subarray(i, i + 1))];
  for (let i = 1; i < input.length; i++) yield [`split@${i}`, [input.subarray(0, i), input.subarray(i)]];
}

const SHA1 = '1111111111111111111111111111111111111111';
const SHA2 = '2222222222222222222222222222222222222222';
const hdr = (sha: string, parents = '', subject = 'subject') =>
  `\0leakward\x1f${sha}\x1f${parents}\x1fAda Lovelace\x1fada@example.com\x1f2024-01-02T03:04:05+00:00\x1f${subject}\n\n`;

interface Case { name: string; input: string; want: Got[] }

const cases: Case[] = [
  {
    name: 'modified file, one hunk, context and deletions',
    input: 'diff --git a/f.txt b/f.txt\nindex 1..2 100644\n--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n+c\n d\n',
    want: [{ path: 'f.txt', content: 'B\nc', lines: [2, 3] }],
  },
  {
    name: 'two hunks with -U0 and a pure-deletion hunk',
    input: 'diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -2 +1,0 @@ ctx\n-x\n@@ -10,0 +10,2 @@\n+p\n+q\n@@ -20 +21 @@\n-r\n+s\n',
    want: [{ path: 'f', content: 'p\nq\ns', lines: [10, 11, 21] }],
  },
  {
    name: 'new file',
    input: 'diff --git a/new.txt b/new.txt\nnew file mode 100644\nindex 0000000..1\n--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n',
    want: [{ path: 'new.txt', content: 'one\ntwo', lines: [1, 2] }],
  },
  {
    name: 'new empty file yields an empty fragment (path rules)',
    input: 'diff --git a/id_rsa b/id_rsa\nnew file mode 100600\nindex 0000000..e69de29\n',
    want: [{ path: 'id_rsa', content: '', lines: [] }],
  },
  {
    name: 'deleted file yields nothing',
    input: 'diff --git a/old.txt b/old.txt\ndeleted file mode 100644\nindex 1..0000000\n--- a/old.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-one\n-two\n',
    want: [],
  },
  {
    name: 'mode change only yields nothing',
    input: 'diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n',
    want: [],
  },
  {
    name: 'pure rename yields an empty fragment at the new path',
    input: 'diff --git a/old name.txt b/new name.txt\nsimilarity index 100%\nrename from old name.txt\nrename to new name.txt\n',
    want: [{ path: 'new name.txt', content: '', lines: [] }],
  },
  {
    name: 'rename with changes',
    input: 'diff --git a/a.txt b/dir/b.txt\nsimilarity index 80%\nrename from a.txt\nrename to dir/b.txt\nindex 1..2 100644\n--- a/a.txt\n+++ b/dir/b.txt\n@@ -1 +1 @@\n-x\n+y\n',
    want: [{ path: 'dir/b.txt', content: 'y', lines: [1] }],
  },
  {
    name: 'copy',
    input: 'diff --git a/a.txt b/c.txt\nsimilarity index 90%\ncopy from a.txt\ncopy to c.txt\n--- a/a.txt\n+++ b/c.txt\n@@ -3,0 +4 @@\n+added\n',
    want: [{ path: 'c.txt', content: 'added', lines: [4] }],
  },
  {
    name: 'quoted paths with spaces, octal UTF-8 and a trailing tab',
    input: 'diff --git "a/sp ace \\303\\251.txt" "b/sp ace \\303\\251.txt"\nnew file mode 100644\n--- /dev/null\n+++ "b/sp ace \\303\\251.txt"\t\n@@ -0,0 +1 @@\n+x\n\\ No newline at end of file\n',
    want: [{ path: 'sp ace é.txt', content: 'x', lines: [1] }],
  },
  {
    name: 'unquoted path with spaces (core.quotePath=false) and a trailing tab on +++',
    input: 'diff --git a/my file é.txt b/my file é.txt\n--- a/my file é.txt\n+++ b/my file é.txt\t\n@@ -1 +1 @@\n-a\n+b\n',
    want: [{ path: 'my file é.txt', content: 'b', lines: [1] }],
  },
  {
    name: 'quoted escapes: tab, quote, backslash',
    input: 'diff --git "a/t\\tq\\"b\\\\s" "b/t\\tq\\"b\\\\s"\n--- "a/t\\tq\\"b\\\\s"\n+++ "b/t\\tq\\"b\\\\s"\n@@ -0,0 +1 @@\n+v\n',
    want: [{ path: 't\tq"b\\s', content: 'v', lines: [1] }],
  },
  {
    name: 'binary file added',
    input: 'diff --git a/cert.p12 b/cert.p12\nnew file mode 100644\nindex 0000000..abc\nBinary files /dev/null and b/cert.p12 differ\n',
    want: [{ path: 'cert.p12', content: '', lines: [] }],
  },
  {
    name: 'binary file modified, then deleted binary',
    input: 'diff --git a/k.jks b/k.jks\nindex 1..2 100644\nBinary files a/k.jks and b/k.jks differ\ndiff --git a/gone.bin b/gone.bin\ndeleted file mode 100644\nBinary files a/gone.bin and /dev/null differ\n',
    want: [{ path: 'k.jks', content: '', lines: [] }],
  },
  {
    name: 'GIT binary patch is skipped',
    input: 'diff --git a/x.bin b/x.bin\nnew file mode 100644\nindex 0000000..1\nGIT binary patch\nliteral 5\nMcmZQzVPRzg0003J0{{R3\n\nliteral 0\nHcmV?d00001\n\ndiff --git a/t b/t\n--- a/t\n+++ b/t\n@@ -1 +1 @@\n-a\n+b\n',
    want: [{ path: 'x.bin', content: '', lines: [] }, { path: 't', content: 'b', lines: [1] }],
  },
  {
    name: 'no newline at end of file, on both sides',
    input: 'diff --git a/n b/n\n--- a/n\n+++ b/n\n@@ -1 +1,2 @@\n-a\n\\ No newline at end of file\n+a\n+b\n\\ No newline at end of file\n',
    want: [{ path: 'n', content: 'a\nb', lines: [1, 2] }],
  },
  {
    name: 'CRLF content lines lose their CR',
    input: 'diff --git a/w.txt b/w.txt\n--- a/w.txt\n+++ b/w.txt\n@@ -1 +1,2 @@\n-old\r\n+new\r\n+two\r\n',
    want: [{ path: 'w.txt', content: 'new\ntwo', lines: [1, 2] }],
  },
  {
    name: 'a whole CRLF diff (saved on Windows)',
    input: 'diff --git a/w.txt b/w.txt\r\n--- a/w.txt\r\n+++ b/w.txt\r\n@@ -1 +1 @@\r\n-old\r\n+new\r\n',
    want: [{ path: 'w.txt', content: 'new', lines: [1] }],
  },
  {
    name: 'content lines that look like headers stay content',
    input: 'diff --git a/h b/h\n--- a/h\n+++ b/h\n@@ -0,0 +1,4 @@\n+diff --git a/x b/x\n++++ b/evil\n+@@ -1 +1 @@\n+commit 1111111111111111111111111111111111111111\n',
    want: [{ path: 'h', content: 'diff --git a/x b/x\n+++ b/evil\n@@ -1 +1 @@\ncommit 1111111111111111111111111111111111111111', lines: [1, 2, 3, 4] }],
  },
  {
    name: 'commit headers (leakward log format) and a merge without diff',
    input: hdr(SHA1) + 'diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -0,0 +1 @@\n+k1\n' + hdr(SHA2, `${SHA1} ${SHA1}`) +
      hdr(SHA2) + 'diff --git a/b b/b\n--- a/b\n+++ b/b\n@@ -0,0 +1 @@\n+k2\n',
    want: [{ path: 'a', content: 'k1', lines: [1], sha: SHA1 }, { path: 'b', content: 'k2', lines: [1], sha: SHA2 }],
  },
  {
    name: 'default git log format',
    input: `commit ${SHA1} (HEAD -> main)\nAuthor: Ada <ada@example.com>\nDate:   Tue Jan 2 03:04:05 2024 +0000\n\n    subject here\n\n    body\n    diff --git a/not b/header\n\ndiff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -0,0 +1 @@\n+v\ncommit ${SHA2}\nMerge: 1111111 3333333\nAuthor: B <b@example.com>\nDate:   Tue Jan 2 03:04:05 2024 +0000\n\n    merge\n\ncommit ${SHA1}\nAuthor: Ada <ada@example.com>\nDate:   x\n\n    s\n\ndiff --git a/c b/c\n--- a/c\n+++ b/c\n@@ -1 +1 @@\n-o\n+w\n`,
    want: [{ path: 'a', content: 'v', lines: [1], sha: SHA1 }, { path: 'c', content: 'w', lines: [1], sha: SHA1 }],
  },
  {
    name: 'format-patch mbox',
    input: `From ${SHA1} Mon Sep 17 00:00:00 2001\nFrom: Ada <ada@example.com>\nDate: Tue, 2 Jan 2024 03:04:05 +0000\nSubject: [PATCH] add\n\nbody\n---\n a | 1 +\n 1 file changed\n\ndiff --git a/a b/a\nnew file mode 100644\n--- /dev/null\n+++ b/a\n@@ -0,0 +1 @@\n+z\n-- \n2.39.5\n\n`,
    want: [{ path: 'a', content: 'z', lines: [1], sha: SHA1 }],
  },
  {
    name: 'combined diff (--cc): only lines new to every parent',
    input: hdr(SHA2, `${SHA1} ${SHA1}`) + 'diff --cc f.txt\nindex 7be73ce,460fe7d..5aed301\n--- a/f.txt\n+++ b/f.txt\n@@@ -2,2 -2,1 +2,4 @@@\n +B\n +c\n+ SIDE\n++EVIL\n',
    want: [{ path: 'f.txt', content: 'EVIL', lines: [5], sha: SHA2 }],
  },
  {
    name: 'combined diff with removed lines and context',
    input: 'diff --combined m\nindex 1,2..3\n--- a/m\n+++ b/m\n@@@ -1,3 -1,3 +1,3 @@@\n  keep\n- gone1\n -gone2\n++NEW\n  tail\n',
    want: [{ path: 'm', content: 'NEW', lines: [2] }],
  },
  {
    name: 'three-parent combined diff (octopus)',
    input: 'diff --cc o\n--- a/o\n+++ b/o\n@@@@ -1,1 -1,1 -1,1 +1,2 @@@@\n   same\n+++ADDED\n',
    want: [{ path: 'o', content: 'ADDED', lines: [2] }],
  },
  {
    name: 'combined diff of a new file in a merge',
    input: 'diff --cc new\nindex 0000000,0000000..1\nnew file mode 100644\n--- /dev/null\n+++ b/new\n@@@ -0,0 -0,0 +1,1 @@@\n++x\n',
    want: [{ path: 'new', content: 'x', lines: [1] }],
  },
  {
    name: 'remerge diff (conflict markers removed, an evil line added)',
    input: 'diff --git a/f.txt b/f.txt\nremerge CONFLICT (content): Merge conflict in f.txt\nindex 934f0f6..5aed301 100644\n--- a/f.txt\n+++ b/f.txt\n@@ -2 +1,0 @@ a\n-<<<<<<< b9a06c7 (x)\n@@ -5 +3,0 @@ c\n-=======\n@@ -7 +5 @@ SIDE\n->>>>>>> f130399 (s2)\n+EVIL\n',
    want: [{ path: 'f.txt', content: 'EVIL', lines: [5] }],
  },
  {
    name: 'plain diff -u with timestamps',
    input: '--- old/conf.ini\t2024-01-01 00:00:00.000000000 +0000\n+++ new/conf.ini\t2024-01-02 00:00:00.000000000 +0000\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n--- x\t1\n+++ b/y\t2\n@@ -0,0 +1 @@\n+q\n',
    want: [{ path: 'new/conf.ini', content: 'c', lines: [2] }, { path: 'y', content: 'q', lines: [1] }],
  },
  {
    name: 'mnemonic prefixes',
    input: 'diff --git i/m.txt w/m.txt\n--- i/m.txt\n+++ w/m.txt\n@@ -1 +1 @@\n-a\n+b\n',
    want: [{ path: 'm.txt', content: 'b', lines: [1] }],
  },
  {
    name: 'whitespace-stripped context line counts as context',
    input: 'diff --git a/e b/e\n--- a/e\n+++ b/e\n@@ -1,3 +1,3 @@\n a\n\n-c\n+C\n',
    want: [{ path: 'e', content: 'C', lines: [3] }],
  },
];

for (const c of cases) {
  const input = Buffer.from(c.input, 'utf8');
  test(`${c.name} / all chunkings`, async () => {
    for (const [how, chunks] of chunkings(input)) {
      assert.deepEqual(await parse(chunks), c.want, `parseUnifiedDiff(${c.name}) split ${how}`);
    }
  });
}

test('fragments are capped and keep correct line numbers', async () => {
  const lines = Array.from({ length: 100 }, (_, i) => `+line${String(i).padStart(3, '0')}`);
  const input = Buffer.from(`diff --git a/big b/big\n--- a/big\n+++ b/big\n@@ -0,0 +1,100 @@\n${lines.join('\n')}\n`);
  for (const [how, chunks] of [['whole', [input]], ['bytewise', Array.from(input, (_, i) => input.subarray(i, i + 1))]] as const) {
    const got = await parse(chunks, 100);
    assert.ok(got.length > 1, `split into several fragments (${how})`);
    const all: string[] = [], nums: number[] = [];
    for (const g of got) {
      assert.ok(Buffer.byteLength(g.content) <= 100, `fragment within cap (${how})`);
      const ls = g.content.split('\n');
      assert.equal(ls.length, g.lines.length, `lineNumbers length matches (${how})`);
      all.push(...ls); nums.push(...g.lines);
    }
    assert.deepEqual(all, lines.map((l) => l.slice(1)));
    assert.deepEqual(nums, Array.from({ length: 100 }, (_, i) => i + 1));
  }
});

test('a line longer than the cap is cut into overlapping pieces with the same line number', async () => {
  const long = Array.from({ length: 3 * OVERLAP }, (_, i) => String.fromCharCode(0x61 + (i % 26))).join('') + 'é'.repeat(500);
  const input = Buffer.from(`diff --git a/l b/l\n--- a/l\n+++ b/l\n@@ -0,0 +1,2 @@\n+${long}\n+end\n`);
  for (const chunks of [[input], Array.from({ length: Math.ceil(input.length / 997) }, (_, i) => input.subarray(i * 997, i * 997 + 997))]) {
    const frags: Fragment[] = [];
    for await (const f of parseUnifiedDiff(chunks, { maxFragmentBytes: 64 })) frags.push(f);
    assert.ok(frags.length > 2, `cut into ${frags.length} pieces`);
    // the owned parts, joined, are the line; every piece carries its place in the line
    const owned = frags.map((f) => (f.content as Buffer).subarray(f.ownFrom ?? 0, f.ownTo ?? (f.content as Buffer).length));
    assert.equal(Buffer.concat(owned).toString('utf8').replace('\n', ''), long + 'end');
    let before = 0; // bytes of the long line before the current piece's owned part
    for (const f of frags.slice(0, -1)) {
      const content = f.content as Buffer;
      assert.ok(content.length <= 64 + 2 * OVERLAP, `piece of ${content.length} bytes`);
      assert.deepEqual(Array.from(f.lineNumbers ?? []), [1]);
      const start = before - (f.ownFrom ?? 0); // line offset of the piece's first byte
      assert.equal(f.columnOffset ?? 0, Buffer.from(long).subarray(0, start).toString('utf8').length);
      before += (f.ownTo ?? content.length) - (f.ownFrom ?? 0);
    }
    assert.deepEqual(frags.flatMap((f) => Array.from(f.lineNumbers ?? [])).filter((n) => n === 2), [2]);
  }
});

test('commit info is attached and onCommit sees parents', async () => {
  const seen: string[] = [];
  const input = Buffer.from(hdr(SHA2, `${SHA1} ${SHA1}`, 'merge: with \x1f unit sep') + 'diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -0,0 +1 @@\n+v\n');
  const frags: Fragment[] = [];
  for await (const f of parseUnifiedDiff([input], { onCommit: (c, p) => seen.push(`${c.sha}:${p.length}`) })) frags.push(f);
  assert.deepEqual(seen, [`${SHA2}:2`]);
  assert.deepEqual(frags[0]!.commit, { sha: SHA2, author: 'Ada Lovelace', email: 'ada@example.com', date: '2024-01-02T03:04:05+00:00', message: 'merge: with \x1f unit sep' });
});

test('unquoteCStyle decodes octal escapes to bytes', () => {
  const got = unquoteCStyle(Buffer.from('"\\303\\251\\n"'), 0);
  assert.deepEqual(got?.name, Buffer.from('é\n'));
  assert.equal(unquoteCStyle(Buffer.from('"unterminated'), 0), undefined);
});

test('LOG_FORMAT starts with NUL so it can never collide with diff lines', () => {
  assert.ok(LOG_FORMAT.startsWith('%x00'));
});

test('a secret across a piece boundary of a long added line is found once, at its real column', async () => {
  const { createScanner } = await import('../../src/core/scanner.js');
  const { awsAndP12Config } = await import('../core/helpers/engine.js');
  const key = 'AKIA' + 'QWERTYUIOPASDFGH'.slice(0, 16); // synthetic key id shape
  const cap = 1 << 20;
  // multi-byte characters before the cuts, so byte offsets and code-point columns differ
  const filler = (n: number): string => 'é'.repeat(n >> 2) + ' '.repeat(n - 2 * (n >> 2));
  const offsets = [cap - 7, 2 * cap - OVERLAP + 3, 2 * cap + 5];
  let line = '';
  for (const at of offsets) line += filler(at - Buffer.byteLength(line)) + key;
  line += filler(1000);
  const input = Buffer.from(`diff --git a/k b/k\n--- a/k\n+++ b/k\n@@ -0,0 +1 @@\n+${line}\n`);
  const scanner = createScanner(awsAndP12Config);
  for (const chunks of [[input], Array.from({ length: Math.ceil(input.length / 65536) }, (_, i) => input.subarray(i * 65536, i * 65536 + 65536))]) {
    const found = [];
    for await (const f of parseUnifiedDiff(chunks, {})) found.push(...scanner.scanBuffer(f.content as Buffer, f));
    const cols = found.map((f) => f.startColumn);
    const want = offsets.map((at) => Buffer.from(line).subarray(0, at).toString('utf8').length + 1);
    assert.deepEqual(cols, want);
    assert.ok(found.every((f) => f.startLine === 1 && f.endColumn === f.startColumn + key.length - 1));
  }
});
