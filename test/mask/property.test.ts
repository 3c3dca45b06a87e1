/**
 * Property tests (STYLE habit 8): random secrets and inputs from a seeded PRNG. For each seed:
 * - every chunking gives the same output;
 * - no registered form survives;
 * - removing the masks restores every non-secret byte in order (checked against a naive reference masker
 *   that finds every occurrence of every form with indexOf and merges overlapping or touching spans).
 * Seeds live in test/fixtures/seeds/mask.json; LEAKWARD_FUZZ=N adds N fresh seeds (printed when they fail).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeSecret, SecretRegistry } from '../../src/mask/index.js';
import { maskAll, prng } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const committed: number[] = JSON.parse(readFileSync(path.join(root, 'test/fixtures/seeds/mask.json'), 'utf8')).seeds;
const fresh = Number(process.env.LEAKWARD_FUZZ ?? 0);
const seeds = [...committed, ...Array.from({ length: 150 }, (_, i) => 1000 + i), ...Array.from({ length: fresh }, () => Math.floor(Math.random() * 2 ** 31))];

// No '*' (so a form can never be made of our own `***`), no ':' or line breaks (no `::add-mask::` commands).
const ALPHABET = [...'aabbAB01+/=%"\'<&é🔑 -_.~xyz'];

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

function randomString(rnd: () => number, min: number, max: number): string {
  const n = min + Math.floor(rnd() * (max - min + 1));
  let s = '';
  for (let i = 0; i < n; i++) s += pick(rnd, ALPHABET);
  return s;
}

function randomChunks(rnd: () => number, buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < buf.length) {
    const n = 1 + Math.floor(rnd() * (rnd() < 0.5 ? 4 : 40));
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** The naive reference: every occurrence of every form, merged when overlapping or touching. */
const isB64 = (c: number | undefined): boolean => c !== undefined && /[A-Za-z0-9+/_-]/.test(String.fromCharCode(c));

function reference(input: Buffer, forms: string[], flags: ReadonlyMap<string, number> = new Map()): Buffer {
  const spans: [number, number][] = [];
  for (const f of forms) {
    const needle = Buffer.from(f);
    const fl = flags.get(f) ?? 0;
    for (let i = input.indexOf(needle); i >= 0; i = input.indexOf(needle, i + 1)) {
      // A Base64 character next to a shifted form that carries bits of the secret is masked with it.
      const s = (fl & 1) !== 0 && isB64(input[i - 1]) ? i - 1 : i;
      const e = (fl & 2) !== 0 && isB64(input[i + needle.length]) ? i + needle.length + 1 : i + needle.length;
      spans.push([s, e]);
    }
  }
  // End of stream: the longest tail that begins a form is masked when it has 4 or more code points.
  let tail = 0;
  for (const f of forms) {
    const needle = Buffer.from(f);
    for (let l = Math.min(needle.length, input.length); l > tail; l--) {
      if (input.subarray(input.length - l).equals(needle.subarray(0, l))) {
        tail = l;
        break;
      }
    }
  }
  let end = input.length;
  while (end > input.length - tail && (input[end - 1] === 10 || input[end - 1] === 13)) end--;
  let chars = 0;
  for (const b of input.subarray(input.length - tail, end)) if ((b & 0xc0) !== 0x80) chars++;
  if (chars >= 4) spans.push([input.length - tail, end]);
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [s, e] of spans) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  const parts: Buffer[] = [];
  let cur = 0;
  for (const [s, e] of merged) {
    parts.push(input.subarray(cur, s), Buffer.from('***'));
    cur = e;
  }
  parts.push(input.subarray(cur));
  return Buffer.concat(parts);
}

for (const seed of seeds) {
  test(`property seed ${seed}`, async () => {
    const rnd = prng(seed);
    const secrets = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => randomString(rnd, 2, 12));
    const registry = new SecretRegistry(secrets);
    const { literal, base64, base64Flags } = registry.forms();
    const forms = [...literal, ...base64];
    // Input: random text with forms (and fragments of forms) spliced in.
    let text = '';
    for (let k = 0; k < 12; k++) {
      text += randomString(rnd, 0, 6);
      if (forms.length > 0 && rnd() < 0.7) {
        const f = pick(rnd, forms);
        text += rnd() < 0.2 ? f.slice(0, Math.max(1, Math.floor(rnd() * f.length))) : f;
      }
    }
    const input = Buffer.from(text);
    const opts = { secrets, rules: false };
    const want = reference(input, forms, base64Flags);
    const once = await maskAll([input], opts);
    assert.deepEqual(once, want, `seed ${seed}: one write equals the reference masker`);
    for (let r = 0; r < 4; r++) {
      assert.deepEqual(await maskAll(randomChunks(rnd, input), opts), want, `seed ${seed}: chunking #${r} gives the same output`);
    }
    const bytes: Buffer[] = [];
    for (let i = 0; i < input.length; i++) bytes.push(input.subarray(i, i + 1));
    assert.deepEqual(await maskAll(bytes, opts), want, `seed ${seed}: byte by byte gives the same output`);
    for (const f of forms) assert.ok(!once.includes(Buffer.from(f)), `seed ${seed}: no registered form survives`);
  });
}

// Multi-line values and wrapped Base64: chunk-invariance and no surviving form (line-broken forms included).
for (const seed of seeds.slice(0, 60)) {
  test(`property (line breaks) seed ${seed}`, async () => {
    const rnd = prng(seed ^ 0x5eed);
    const secrets = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => randomString(rnd, 4, 40) + (rnd() < 0.3 ? `\n${randomString(rnd, 4, 10)}` : ''));
    const registry = new SecretRegistry(secrets);
    const { base64 } = registry.forms();
    let text = '';
    const wrapped: string[] = [];
    for (let k = 0; k < 8; k++) {
      text += randomString(rnd, 0, 8) + (rnd() < 0.3 ? (rnd() < 0.5 ? '\n' : '\r\n') : '');
      if (base64.length > 0 && rnd() < 0.6) {
        const f = pick(rnd, base64);
        const at = 1 + Math.floor(rnd() * (f.length - 1));
        const w = f.slice(0, at) + (rnd() < 0.5 ? '\n' : '\r\n') + f.slice(at);
        wrapped.push(w);
        text += w;
      }
      if (rnd() < 0.3) text += pick(rnd, secrets);
    }
    const input = Buffer.from(text);
    const opts = { secrets, rules: false };
    const once = await maskAll([input], opts);
    for (let r = 0; r < 4; r++) {
      assert.deepEqual(await maskAll(randomChunks(rnd, input), opts), once, `seed ${seed}: chunking #${r} gives the same output`);
    }
    for (const w of [...wrapped, ...secrets.flatMap((s) => normalizeSecret(s) ?? [])]) {
      assert.ok(!once.includes(Buffer.from(w)), `seed ${seed}: no registered form survives`);
    }
  });
}

// `::add-mask::` lines at random places: chunk-invariance, command lines removed, values masked after their line.
for (const seed of seeds.slice(0, 60)) {
  test(`property (::add-mask::) seed ${seed}`, async () => {
    const rnd = prng(seed ^ 0xadd);
    const values: string[] = [];
    let text = '';
    let after = '';
    for (let k = 0; k < 10; k++) {
      const r = rnd();
      if (r < 0.3) {
        const v = randomString(rnd, 8, 16).replaceAll(' ', '_');
        values.push(v);
        if (text !== '' && !text.endsWith('\n')) {
          text += '\n';
          after += '\n';
        }
        text += `::add-mask::${v}${rnd() < 0.5 ? '\r\n' : '\n'}`;
      } else {
        const line = `${rnd() < 0.2 ? '::add' : ''}${randomString(rnd, 0, 10)}${values.length > 0 && rnd() < 0.5 ? pick(rnd, values) : ''}${rnd() < 0.8 ? '\n' : ''}`;
        text += line;
        after += line;
      }
    }
    const input = Buffer.from(text);
    const once = await maskAll([input], { rules: false });
    for (let r = 0; r < 4; r++) {
      assert.deepEqual(await maskAll(randomChunks(rnd, input), { rules: false }), once, `seed ${seed}: chunking #${r} gives the same output`);
    }
    const out = once.toString();
    assert.ok(!out.includes('::add-mask::'), `seed ${seed}: command lines are removed`);
    for (const v of values) assert.ok(!out.includes(v), `seed ${seed}: every ::add-mask:: value is masked`);
    assert.ok(after.length >= out.length - 3 * 20 || out.includes('***'), `seed ${seed}: nothing added`);
  });
}
