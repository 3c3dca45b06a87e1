/**
 * Streaming invariants (src/core/scanner.ts):
 * 1. Findings are identical for every chunking of the same content.
 * 2. A secret straddling a chunk or window boundary is found exactly once.
 * 3. Files and huge lines stream in bounded memory with correct positions; unreadable files are reported, not thrown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createScanner, WINDOW, OVERLAP } from '../../src/core/scanner.js';
import { packageRoot } from '../../src/core/paths.js';
import type { Finding, RuleSpec } from '../../src/core/types.js';
import { brief, chunked, collect, config, prng, token } from './helpers/engine.js';

const rules: RuleSpec[] = [
  { id: 'tok', regex: 'tk_[A-Za-z0-9]{24}', keywords: ['tk_'] },
  { id: 'generic-assign', regex: '(?i)(?:secret|passwd)\\s*=\\s*"([^"\\s]{8,40})"', keywords: ['secret', 'passwd'], tags: ['generic'] },
  { id: 'nokw', regex: '\\bZQ[0-9]{10}\\b' },
];
const cfg = config(rules);
const scanner = createScanner(cfg);
const show = (fs: Finding[]): string => fs.map(brief).join(' | ');
/**
 * Findings as comparable text, without their fingerprints: those are computed on first read, a scrypt each, and
 * these inputs hold tens of thousands of findings (fingerprints have their own tests in fingerprint.test.ts).
 */
const strip = (fs: Finding[]): string[] =>
  fs.map((f) => JSON.stringify(Object.fromEntries(Object.keys(f).filter((k) => k !== 'fingerprint').map((k) => [k, f[k as keyof Finding]]))));

function randomInput(seed: number, size: number): Buffer {
  const r = prng(seed);
  const parts: string[] = [];
  let n = 0;
  while (n < size) {
    const k = r();
    let s: string;
    if (k < 0.08) s = token('tk_', 24, Math.floor(r() * 1e9));
    else if (k < 0.12) s = `secret = "${token('', 12, Math.floor(r() * 1e9))}"`;
    else if (k < 0.15) s = Buffer.from(`x=${token('tk_', 24, Math.floor(r() * 1e9))}\n`).toString('base64');
    else if (k < 0.18) s = `ZQ${String(Math.floor(r() * 1e10)).padStart(10, '0')}`;
    else if (k < 0.25) s = '\n';
    else if (k < 0.3) s = 'é😀ü';
    else s = ['the ', 'key ', 'token ', 'const x = 1;', ' // ', 'abc', 'tk_', '= "', 'passwd'][Math.floor(r() * 9)]!;
    parts.push(s);
    n += Buffer.byteLength(s);
  }
  return Buffer.from(parts.join(''));
}

const fixtureSeeds: number[] = (JSON.parse(readFileSync(path.join(packageRoot, 'test/fixtures/seeds/core-chunking.json'), 'utf8')) as { seeds: number[] }).seeds;
const seeds = [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, ...fixtureSeeds];

test('invariant 1: one byte at a time gives the same findings as scanBuffer', async () => {
  for (const seed of seeds.slice(0, 4)) {
    const input = randomInput(seed, 1500);
    const want = scanner.scanBuffer(input, { path: 'f' });
    assert.ok(want.length > 0, 'the input has findings');
    const got = await collect(scanner.scanFragment({ path: 'f', content: chunked(input, () => 1) }));
    assert.deepEqual(strip(got), strip(want), `seed ${seed}: ${show(got)} vs ${show(want)}`);
  }
});

test('invariant 1: every 2-way split of a small input gives the same findings', async () => {
  const input = randomInput(42, 400);
  const want = strip(scanner.scanBuffer(input, { path: 'f' }));
  for (let cut = 0; cut <= input.length; cut++) {
    const content = (async function* () {
      yield input.subarray(0, cut);
      yield input.subarray(cut);
    })();
    const got = strip(await collect(scanner.scanFragment({ path: 'f', content })));
    assert.deepEqual(got, want, `split at ${cut}`);
  }
});

test('invariant 1: random chunk sizes (seeded), inputs larger than a window', async () => {
  for (const seed of seeds) {
    const input = randomInput(seed, seed % 3 === 0 ? WINDOW + 3 * OVERLAP + 777 : 20_000);
    const want = strip(scanner.scanBuffer(input, { path: 'f' }));
    const r = prng(seed * 31 + 7);
    const got = strip(await collect(scanner.scanFragment({ path: 'f', content: chunked(input, () => 1 + Math.floor(r() * (r() < 0.5 ? 64 : 300_000))) })));
    assert.deepEqual(got, want, `seed ${seed}`);
  }
});

test('invariant 2: a secret straddling every chunk boundary is found exactly once', async () => {
  const tok = token('tk_', 24, 5);
  const input = Buffer.from(`aaa\nbbb ${tok} ccc\n`);
  const at = input.indexOf(tok);
  for (let cut = at; cut <= at + tok.length; cut++) {
    const content = (async function* () {
      yield input.subarray(0, cut);
      yield input.subarray(cut);
    })();
    const got = await collect(scanner.scanFragment({ path: 'f', content }));
    assert.deepEqual(got.map((f) => [f.ruleId, f.span[0], f.startLine, f.startColumn]), [['tok', at, 2, 5]], `cut at ${cut}`);
  }
});

test('invariant 2: a secret straddling the window boundary is found exactly once, at the right place', async () => {
  const tok = token('tk_', 24, 6);
  const lineLen = 100; // 99 bytes + '\n'
  for (let at = WINDOW - tok.length - 2; at <= WINDOW + 2; at++) {
    const input = Buffer.alloc(WINDOW + 5000, 'x');
    for (let i = lineLen - 1; i < input.length; i += lineLen) input[i] = 0x0a;
    input.write(' ' + tok + ' ', at - 1);
    // keep the line structure: the token must not cover a newline for the expected position
    const line = input.subarray(0, at).filter((b) => b === 0x0a).length + 1;
    const col = at - (input.lastIndexOf(0x0a, at - 1) + 1) + 1;
    const want = [['tok', at, line, col]];
    const got = scanner.scanBuffer(input, { path: 'f' }).filter((f) => f.ruleId === 'tok');
    const hasNl = input.subarray(at, at + tok.length).includes(0x0a);
    if (hasNl) continue;
    assert.deepEqual(got.map((f) => [f.ruleId, f.span[0], f.startLine, f.startColumn]), want, `token at ${at}`);
    const streamed = (await collect(scanner.scanFragment({ path: 'f', content: chunked(input, (k) => (k % 2 ? 4093 : 65537)) }))).filter((f) => f.ruleId === 'tok');
    assert.deepEqual(streamed.map((f) => [f.ruleId, f.span[0], f.startLine, f.startColumn]), want, `streamed token at ${at}`);
  }
});

test('invariant 2: a base64 segment straddling the window boundary is decoded and reported once', async () => {
  const tok = token('tk_', 24, 9);
  const enc = Buffer.from(`export TOKEN=${tok}\n`).toString('base64');
  for (const at of [WINDOW - enc.length, WINDOW - 20, WINDOW - 1, WINDOW, WINDOW + 1]) {
    const input = Buffer.alloc(WINDOW + 4000, 'x');
    for (let i = 79; i < input.length; i += 80) input[i] = 0x0a;
    input.write(` ${enc} `, at - 1);
    const want = scanner.scanBuffer(input, { path: 'f' }).filter((f) => f.ruleId === 'tok');
    assert.equal(want.length, 1, `segment at ${at}: ${show(want)}`);
    assert.deepEqual(want[0]!.decodedBy, ['base64']);
    assert.ok(want[0]!.span[0] >= at && want[0]!.span[1] <= at + enc.length, `span inside the segment at ${at}`);
    const streamed = (await collect(scanner.scanFragment({ path: 'f', content: chunked(input, () => 100_003) }))).filter((f) => f.ruleId === 'tok');
    assert.deepEqual(strip(streamed), strip(want), `streamed, segment at ${at}`);
  }
});

test('invariant 3: a 3 MiB single line streams with the right column', async () => {
  const tok = token('tk_', 24, 8);
  const pad = 'é'.repeat(1_500_000); // 3,000,000 bytes, 1,500,000 columns
  const input = Buffer.from(`first\n${pad}${tok}\n`);
  const got = await collect(scanner.scanFragment({ path: 'f', content: chunked(input, () => 1 << 16) }));
  assert.deepEqual(got.map((f) => [f.startLine, f.startColumn, f.endColumn]), [[2, 1_500_001, 1_500_027]]);
});

test('invariant 3: a file on disk streams from filePath with the same findings', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-core-'));
  const big = randomInput(77, 2 * WINDOW + 12345);
  const small = randomInput(78, 5000);
  for (const [name, data] of [['big.txt', big], ['small.txt', small]] as const) {
    const file = path.join(dir, name);
    writeFileSync(file, data);
    const want = strip(scanner.scanBuffer(data, { path: name }));
    const got = strip(await collect(scanner.scanFragment({ path: name, filePath: file })));
    assert.deepEqual(got, want, name);
  }
});

test('invariant 3: an unreadable file is reported through onSkip, not thrown; too-large and binary too', async () => {
  const skips: string[] = [];
  const s = createScanner(config([...rules, { id: 'p', path: '\\.bin$' }]), { maxFileSize: 10, onSkip: (p, r) => skips.push(`${p}:${r}`) });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-core-'));
  const bigFile = path.join(dir, 'big.txt');
  writeFileSync(bigFile, 'x'.repeat(100));
  const binFile = path.join(dir, 'a.bin');
  writeFileSync(binFile, Buffer.from([1, 0, 2]));
  assert.deepEqual(await collect(s.scanFragment({ path: 'missing.txt', filePath: path.join(dir, 'nope') })), []);
  assert.deepEqual(await collect(s.scanFragment({ path: 'big.txt', filePath: bigFile })), []);
  const bin = await collect(s.scanFragment({ path: 'a.bin', filePath: binFile }));
  assert.deepEqual(bin.map((f) => f.ruleId), ['p']);
  const streamedBin = await collect(s.scanFragment({ path: 'b.bin', content: chunked(Buffer.from([65, 0, 66]), () => 1) }));
  assert.deepEqual(streamedBin.map((f) => f.ruleId), ['p']);
  assert.deepEqual(skips, ['missing.txt:unreadable', 'big.txt:too-large', 'a.bin:binary', 'b.bin:binary']);
});

test('matchSpans: secret spans of high-confidence rules only, sorted', () => {
  const s = createScanner(config([
    { id: 'hi', regex: 'key=(tk_[A-Za-z0-9]{24})', keywords: ['tk_'], confidence: 'high' },
    { id: 'lo', regex: 'zz_[a-z]{8}' },
  ]));
  const t1 = token('tk_', 24, 90);
  const buf = Buffer.from(`zz_abcdefgh key=${t1} é key=${t1}`);
  const spans = s.matchSpans(buf);
  const a = buf.indexOf(t1);
  const b = buf.indexOf(t1, a + 1);
  assert.deepEqual(spans, [{ ruleId: 'hi', start: a, end: a + 24 + 3 }, { ruleId: 'hi', start: b, end: b + 27 }]);
  assert.equal(s.maxHighConfidenceMatch, 31);
});
