/** The keyword automaton: every occurrence, case-insensitive, overlapping keywords; agrees with a naive search. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HitList, KeywordAutomaton } from '../../src/core/prefilter.js';
import { prng } from './helpers/engine.js';

function hits(ac: KeywordAutomaton, text: string): string[] {
  const h = new HitList();
  const buf = Buffer.from(text);
  ac.scan(buf, 0, buf.length, h);
  const out: string[] = [];
  for (let i = 0; i < h.length; i += 2) out.push(`${ac.keywords[h.data[i + 1]!]}@${h.data[i]! - ac.lengths[h.data[i + 1]!]!}`);
  return out.sort();
}

function naive(keywords: string[], text: string): string[] {
  const lower = Buffer.from(text).toString('latin1').toLowerCase();
  const out: string[] = [];
  for (const k of keywords) for (let i = lower.indexOf(k); i >= 0; i = lower.indexOf(k, i + 1)) out.push(`${k}@${i}`);
  return out.sort();
}

test('prefilter: overlapping keywords (he, she, his, hers)', () => {
  const ac = new KeywordAutomaton(['he', 'she', 'his', 'hers']);
  assert.deepEqual(hits(ac, 'ushers'), ['he@2', 'hers@2', 'she@1']);
});

test('prefilter: ASCII case-insensitive', () => {
  const ac = new KeywordAutomaton(['token', 'api_key']);
  assert.deepEqual(hits(ac, 'TOKEN Api_Key tOkEn'), ['api_key@6', 'token@0', 'token@14']);
});

test('prefilter: agrees with a naive search on random text (seeded)', () => {
  const keywords = ['ab', 'abc', 'bca', 'c', 'aaa', 'key', '-----begin', 'tk_'];
  const ac = new KeywordAutomaton(keywords);
  for (let seed = 1; seed <= 20; seed++) {
    const r = prng(seed);
    let text = '';
    const alphabet = 'abcABCk eyK_t-';
    for (let i = 0; i < 300; i++) text += alphabet[Math.floor(r() * alphabet.length)];
    assert.deepEqual(hits(ac, text), naive(keywords, text), `seed ${seed}`);
  }
});

test('prefilter: no keywords, no hits', () => {
  const ac = new KeywordAutomaton([]);
  assert.deepEqual(hits(ac, 'anything'), []);
});
