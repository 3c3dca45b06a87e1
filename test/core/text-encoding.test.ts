/**
 * UTF-16/UTF-32 text with a BOM is scanned as text (transcoded to UTF-8), with lines and code-point columns of the
 * original characters; a UTF-8 BOM takes no column; real binary content is still skipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createScanner, WINDOW } from '../../src/core/scanner.js';
import { Utf8Transcoder, toUtf8, wideEncodingOf, type WideEncoding } from '../../src/core/text-encoding.js';
import { fakeAwsKey } from '../sources/git-fixture.js';
import { awsAndP12Config, brief, chunked, collect, prng } from './helpers/engine.js';

const key = fakeAwsKey(16);
const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-enc-'));

/** `text` encoded with its BOM (Node has no UTF-32 or UTF-16BE encoder: built here). */
function encode(text: string, enc: WideEncoding | 'utf-8-bom'): Buffer {
  if (enc === 'utf-8-bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
  const bytes: number[] = [];
  const cps = [0xfeff, ...[...text].map((c) => c.codePointAt(0)!)];
  for (const cp of cps) {
    if (enc === 'utf-32le') bytes.push(cp & 0xff, (cp >> 8) & 0xff, (cp >> 16) & 0xff, 0);
    else if (enc === 'utf-32be') bytes.push(0, (cp >> 16) & 0xff, (cp >> 8) & 0xff, cp & 0xff);
    else {
      const units = cp >= 0x10000 ? [0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff)] : [cp];
      for (const u of units) bytes.push(...(enc === 'utf-16le' ? [u & 0xff, u >> 8] : [u >> 8, u & 0xff]));
    }
  }
  return Buffer.from(bytes);
}

const scanFile = async (name: string, content: Buffer, onSkip?: (p: string, r: string) => void) => {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return collect(createScanner(awsAndP12Config, { onSkip }).scanFragment({ path: name, filePath: file }));
};

// line 3, after 'é😀 "' (4 code points; the emoji is a surrogate pair in UTF-16, 4 bytes in UTF-8): columns 5 to 24
const text = `# PowerShell\r\n$a = 1\r\né😀 "${key}"`;
for (const enc of ['utf-16le', 'utf-16be', 'utf-32le', 'utf-32be', 'utf-8-bom'] as const) {
  test(`a ${enc} file with a BOM: the key is found at its line and code-point column`, async () => {
    const found = await scanFile(`script-${enc}.ps1`, encode(text, enc));
    assert.deepEqual(found.map((f) => [f.ruleId, f.startLine, f.startColumn, f.endColumn]), [['test-aws-key', 3, 5, 24]],
      found.map(brief).join(' | '));
    assert.equal(found[0]!.secret === key, true, 'the secret is the key, decoded');
  });
}

test('a UTF-8 BOM takes no column, on the first line only', async () => {
  const found = await scanFile('bom.txt', encode(`${key}\n${key}`, 'utf-8-bom'));
  assert.deepEqual(found.map((f) => [f.startLine, f.startColumn]), [[1, 1], [2, 1]], found.map(brief).join(' | '));
});

test('real binary content is still skipped as binary; BOM-less UTF-16 too (as git treats it)', async () => {
  const skips: string[] = [];
  const onSkip = (p: string, r: string) => skips.push(`${p}:${r}`);
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from(key)]);
  assert.deepEqual(await scanFile('img.png', png, onSkip), []);
  assert.deepEqual(await scanFile('nobom.txt', Buffer.from(key, 'utf16le'), onSkip), []);
  assert.deepEqual(skips, ['img.png:binary', 'nobom.txt:binary']);
});

test('a key split across the streaming chunk boundary of a large UTF-16LE file is found once, at its position', async () => {
  // > 1 window of UTF-16, so the file streams; the key straddles the first WINDOW-byte read of the file
  const line = 'x'.repeat(99) + '\n';
  const before = line.repeat(Math.floor(WINDOW / 2 / line.length)) + 'y'.repeat((WINDOW / 2) % line.length - 11) + ' ';
  const body = before + key + '\n' + line.repeat(WINDOW / line.length);
  const buf = encode(body, 'utf-16le');
  const at = buf.indexOf(Buffer.from(key, 'utf16le'));
  assert.ok(at < WINDOW && at + 40 > WINDOW, 'the key straddles the first chunk');
  const found = await scanFile('big.reg', buf);
  const wantLine = before.split('\n').length;
  const wantCol = before.length - before.lastIndexOf('\n');
  assert.deepEqual(found.map((f) => [f.startLine, f.startColumn, f.secret === key]), [[wantLine, wantCol, true]], found.map(brief).join(' | '));
  // and for odd chunkings of a stream (a code unit or surrogate pair cut in two): the same findings
  const r = prng(7);
  const streamed = await collect(createScanner(awsAndP12Config).scanFragment({ path: 'big.reg', content: chunked(buf, () => 1 + Math.floor(r() * 70001)) }));
  assert.deepEqual(streamed.map(brief), found.map(brief));
});

test('transcoder: every split of the input gives the same UTF-8; lone surrogates become U+FFFD', () => {
  const s = 'aé😀\u4e2d\n' + key;
  for (const enc of ['utf-16le', 'utf-16be', 'utf-32le', 'utf-32be'] as const) {
    const b = encode(s, enc);
    assert.equal(wideEncodingOf(b), enc);
    assert.equal(toUtf8(b).toString(), s, enc);
    for (let cut = 0; cut <= b.length; cut++) {
      const t = new Utf8Transcoder(enc);
      const got = Buffer.concat([t.push(b.subarray(0, cut)), t.push(b.subarray(cut)), t.end()]).toString();
      assert.equal(got, s, `${enc} cut at ${cut}`);
    }
  }
  assert.equal(toUtf8(Buffer.from([0xff, 0xfe, 0x00, 0xd8, 0x41, 0x00, 0x00, 0xdc])).toString(), '\ufffdA\ufffd');
  assert.equal(toUtf8(Buffer.from([0xff, 0xfe, 0x41, 0x00, 0x42])).toString(), 'A\ufffd');
});
