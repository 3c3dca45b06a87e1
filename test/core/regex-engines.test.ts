/**
 * The WebAssembly fallback engine gives the same matches, byte offsets and group offsets as the native `re2`
 * module, on every built-in rule's regex, over its own examples and over random bytes (invalid UTF-8 included).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { builtinConfig } from '../../src/core/config.js';
import { relaxCountedRepeats } from '../../src/core/regex.js';
import { WasmRE2, WasmRE2Set } from '../../src/core/re2-wasm.js';
import { mulberry32 } from '../support/prng.js';

interface Native {
  new (pattern: string, flags: string): { lastIndex: number; exec(b: Buffer): { index: number; indices?: unknown } | null; test(s: string | Buffer): boolean };
  Set: new (patterns: string[], flags: string) => { match(b: Buffer): number[] };
}
let native: Native | undefined;
try {
  native = createRequire(import.meta.url)('re2') as Native;
} catch {
  native = undefined;
}
const skip = native ? false : 'the native re2 module is not installed here (nothing to compare with)';

/** Every match of `re` in `buf` from each start offset in `starts`, as [start, end, group offsets…]. */
function allMatches(re: { lastIndex: number; exec(b: Buffer): { index: number; indices?: unknown } | null }, buf: Buffer, starts: number[]): string[] {
  const out: string[] = [];
  for (const s of starts) {
    re.lastIndex = s;
    const m = re.exec(buf);
    out.push(m === null ? `${s}:-` : `${s}:${JSON.stringify(m.indices)}`);
  }
  return out;
}

function texts(seed: number, examples: string[]): Buffer[] {
  const rnd = mulberry32(seed);
  const out = examples.map((e) => Buffer.from(e, 'utf8'));
  const alphabet = Buffer.from('aZ09_-=:"\' \n\t/+.@AKIAghp_xoxb-sk_live_\u00e9\u4e2d', 'utf8');
  for (let i = 0; i < 4; i++) {
    const b = Buffer.alloc(64 + Math.floor(rnd() * 200));
    for (let j = 0; j < b.length; j++) b[j] = rnd() < 0.1 ? Math.floor(rnd() * 256) : alphabet[Math.floor(rnd() * alphabet.length)]!;
    out.push(b);
  }
  // Examples cut inside a UTF-8 sequence and glued to stray continuation bytes.
  for (const e of out.slice(0, examples.length)) out.push(Buffer.concat([Buffer.from([0xe4, 0xb8]), e, Buffer.from([0x80, 0xff])]));
  return out;
}

test('regex engines: the wasm engine matches exactly as the native one on every built-in rule', { skip }, () => {
  const rules = builtinConfig().rules.filter((r) => r.regex !== undefined);
  assert.ok(rules.length > 100);
  let compared = 0;
  rules.forEach((rule, k) => {
    const examples = [...(rule.examples?.positive ?? []).map((e) => (typeof e === 'string' ? e : e.text)), ...(rule.examples?.negative ?? [])];
    for (const pattern of new Set([rule.regex!, relaxCountedRepeats(rule.regex!)])) {
      for (const flags of ['gd', 'yd']) {
        const a = new native!(pattern, flags);
        const b = new WasmRE2(pattern, flags);
        for (const buf of texts(k, examples)) {
          const starts = [0, 1, 3, Math.floor(buf.length / 2), buf.length - 1, buf.length].filter((s) => s >= 0);
          // Rule ids only in messages: the texts hold synthetic secrets.
          assert.deepEqual(allMatches(b, buf, starts), allMatches(a, buf, starts), `rule ${rule.id} (${flags})`);
          compared++;
        }
      }
    }
  });
  assert.ok(compared > 1000);
});

test('regex engines: syntax errors, test() on strings and sets agree', { skip }, () => {
  for (const bad of ['a(b', '(?P<x>a)(?P<x>b)', 'a{2,1}', '[z-a]', '\\p{Nope}', 'a**']) {
    let nativeError = '';
    let wasmError = '';
    try { new native!(bad, 'u'); } catch (e) { nativeError = (e as Error).message; }
    try { new WasmRE2(bad, 'u'); } catch (e) { wasmError = (e as Error).message; }
    assert.equal(wasmError, nativeError, bad);
  }
  for (const [p, s] of [['(?i)^foo$', 'FOO'], ['\\bé\\b', 'x é y'], ['\\B', 'é'], ['^\\d+$', '12\n3'], ['(?m)^3', '12\n3']] as const) {
    assert.equal(new WasmRE2(p, 'u').test(s), new native!(p, 'u').test(s), p);
  }
  const patterns = ['foo', 'ba+r', '(?i)QUX', '\\d{3}', 'x$'];
  for (const t of ['bar foo', 'qux 123', 'nothing', 'aax', '']) {
    assert.deepEqual(new WasmRE2Set(patterns, 'u').match(Buffer.from(t)), new native!.Set(patterns, 'u').match(Buffer.from(t)), t);
  }
});

test('regex engines: the wasm engine copies the text once per Buffer object, and sees a refilled buffer through a new view', () => {
  const re = new WasmRE2('secret=(\\w+)', 'gd');
  const buf = Buffer.from('secret=aaaa secret=bbbb');
  re.lastIndex = 0;
  assert.equal(re.exec(buf)?.index, 0);
  assert.equal(re.exec(buf)?.index, 12);
  buf.write('xxxxxx=aaaa secret=cccc');
  re.lastIndex = 0;
  const view = buf.subarray(0, buf.length);
  assert.equal(re.exec(view)?.index, 12);
});
