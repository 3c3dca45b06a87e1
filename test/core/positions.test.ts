/** Line/column computation: 1-based lines, code-point columns, inclusive endColumn, startLine and lineNumbers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brief, config, scanText, token } from './helpers/engine.js';

const tok = token('tk_', 24, 3);
const cfg = config([{ id: 'r', regex: 'tk_[A-Za-z0-9]{24}' }]);
const pos = (text: string, meta: Parameters<typeof scanText>[2] = { path: 'f' }): number[][] =>
  scanText(cfg, text, meta).map((f) => [f.startLine, f.startColumn, f.endLine, f.endColumn, f.span[0], f.span[1]]);

test('positions: first line, first column', () => {
  assert.deepEqual(pos(`${tok}`), [[1, 1, 1, 27, 0, 27]]);
});

test('positions: third line after ASCII text', () => {
  assert.deepEqual(pos(`a\nbb\nxx ${tok} yy\n`), [[3, 4, 3, 30, 8, 35]]);
});

test('positions: columns count code points, spans count bytes', () => {
  // 'é' is 2 bytes, '😀' is 4 bytes (2 UTF-16 units): each one column
  assert.deepEqual(pos(`é😀 ${tok}`), [[1, 4, 1, 30, 7, 34]]);
});

test('positions: CRLF line endings', () => {
  assert.deepEqual(pos(`a\r\nb\r\n${tok}\r\n`), [[3, 1, 3, 27, 6, 33]]);
});

test('positions: startLine offsets lines', () => {
  assert.deepEqual(pos(`x\n${tok}`, { path: 'f', startLine: 10 }).map((p) => p.slice(0, 4)), [[11, 1, 11, 27]]);
});

test('positions: lineNumbers maps fragment lines to real lines', () => {
  const text = `a\nb\n${tok}\n${tok.replace('tk_', 'tk_Q').slice(0, 27)}\n`;
  const got = pos(text, { path: 'f', lineNumbers: [3, 7, 42, 43], startLine: 99 });
  assert.deepEqual(got.map((p) => p[0]), [42, 43]);
});

test('positions: a multi-line match ends on its last character', () => {
  const c = config([{ id: 'pk', regex: '-----BEGIN KEY-----[\\s\\S]{10,}?-----END KEY-----' }]);
  const text = `x\n-----BEGIN KEY-----\n${'A'.repeat(40)}\n-----END KEY-----\n`;
  const [f] = scanText(c, text);
  assert.ok(f, 'one finding');
  assert.deepEqual([f.startLine, f.startColumn, f.endLine, f.endColumn], [2, 1, 4, 17], brief(f));
});

test('positions: several findings on one line, each its own columns', () => {
  const t2 = token('tk_', 24, 4);
  assert.deepEqual(pos(`ü ${tok} ü ${t2}`).map((p) => [p[1], p[3]]), [[3, 29], [33, 59]]);
});
