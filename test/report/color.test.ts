import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { printable, shouldUseColor } from '../../src/report/color.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

test('colour on a TTY, not on a pipe', () => {
  assert.equal(shouldUseColor(tty, {}), true);
  assert.equal(shouldUseColor(pipe, {}), false);
  assert.equal(shouldUseColor({}, {}), false);
  assert.equal(shouldUseColor(new Writable(), {}), false, 'a plain Writable is not a TTY');
});

test('NO_COLOR (non-empty) turns colour off on a TTY', () => {
  assert.equal(shouldUseColor(tty, { NO_COLOR: '1' }), false);
  assert.equal(shouldUseColor(tty, { NO_COLOR: '' }), true, 'empty NO_COLOR is ignored (no-color.org)');
});

test('FORCE_COLOR turns colour on off a TTY, and wins over NO_COLOR', () => {
  assert.equal(shouldUseColor(pipe, { FORCE_COLOR: '1' }), true);
  assert.equal(shouldUseColor(pipe, { FORCE_COLOR: '' }), true);
  assert.equal(shouldUseColor(pipe, { FORCE_COLOR: '3' }), true);
  assert.equal(shouldUseColor(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }), true);
});

test('FORCE_COLOR=0 / false turns colour off even on a TTY', () => {
  assert.equal(shouldUseColor(tty, { FORCE_COLOR: '0' }), false);
  assert.equal(shouldUseColor(tty, { FORCE_COLOR: 'false' }), false);
});

test('TERM=dumb turns colour off', () => {
  assert.equal(shouldUseColor(tty, { TERM: 'dumb' }), false);
});

test('printable escapes control characters from scanned names', () => {
  assert.equal(printable('a\x1b[2Jb'), 'a\\x1b[2Jb');
  assert.equal(printable('line\nnext\r\t'), 'line\\nnext\\r\\t');
  assert.equal(printable('plain ünïcode'), 'plain ünïcode');
});
