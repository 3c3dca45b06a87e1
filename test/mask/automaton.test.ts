import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteAutomaton } from '../../src/mask/index.js';
import { prng } from './helpers.js';

const naive = (hay: Buffer, needles: Buffer[]): [number, number][] => {
  // For each end position, the longest needle ending there (what the masker needs).
  const best = new Map<number, number>();
  for (const n of needles) {
    for (let i = hay.indexOf(n); i >= 0; i = hay.indexOf(n, i + 1)) {
      const e = i + n.length;
      best.set(e, Math.max(best.get(e) ?? 0, n.length));
    }
  }
  return [...best].sort((a, b) => a[0] - b[0]).map(([e, l]) => [e - l, e]);
};

test('finds every occurrence (overlapping ones too), longest per end, like a naive search', () => {
  const rnd = prng(99);
  for (let round = 0; round < 200; round++) {
    const abc = 'abc\n\x00\xff';
    const rs = (n: number): string => Array.from({ length: n }, () => abc[Math.floor(rnd() * abc.length)]).join('');
    const needles = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => Buffer.from(rs(1 + Math.floor(rnd() * 6)), 'latin1'));
    const hay = Buffer.from(rs(200), 'latin1');
    assert.deepEqual(new ByteAutomaton(needles).findAll(hay), naive(hay, needles), `round ${round}`);
  }
});

test('depth is the longest suffix that is a needle prefix (the hold-back)', () => {
  const a = new ByteAutomaton([Buffer.from('abcab'), Buffer.from('bcd')]);
  const depthAfter = (s: string): number => a.depth[a.walk(Buffer.from(s))]!;
  assert.equal(depthAfter('abca'), 4);
  assert.equal(depthAfter('xxbc'), 2);
});

test('triggers fire in any ASCII case when folding, and suffixMap maps into a sub-automaton', () => {
  const a = new ByteAutomaton([Buffer.from('YWJj')], [{ bytes: Buffer.from('eyj'), rule: 3 }], true);
  let row = 0;
  const hits: number[] = [];
  for (const b of Buffer.from('xEyJz')) {
    const x = a.delta[row + a.classes[b]!]!;
    row = x < 0 ? ~x : x;
    if (x < 0) hits.push(...(a.triggers.get(row / a.classCount) ?? []).map(([r]) => r));
  }
  assert.deepEqual(hits, [3]);
  const all = new ByteAutomaton([Buffer.from('zzzz'), Buffer.from('YWJjZA')]);
  const sub = new ByteAutomaton([Buffer.from('YWJjZA')]);
  const map = all.suffixMap(sub, [Buffer.from('YWJjZA')]);
  assert.equal(sub.depth[map[all.walk(Buffer.from('qYWJ'))]! / sub.classCount], 3);
});
