/** Build-time scanner tables (pack-tables.ts): stored tables read back equal to built ones; bad files read as none. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { automatonFor, readPackTables, writePackTables } from '../../src/core/pack-tables.js';
import { HitList, KeywordAutomaton } from '../../src/core/prefilter.js';
import { maxMatchBytes } from '../../src/core/regex-width.js';
import { createScanner } from '../../src/core/scanner.js';
import type { Config } from '../../src/core/types.js';

const tmp = (): string => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'leakward-tables-')), 'pack-tables.bin');

function hits(ac: KeywordAutomaton, text: string): number[] {
  const h = new HitList();
  const buf = Buffer.from(text);
  ac.scan(buf, 0, buf.length, h);
  return Array.from(h.data.subarray(0, h.length));
}

test('pack tables: an automaton read back is the one built (same tables, same hits)', () => {
  const file = tmp();
  const kws = ['token', 'api_key', 'he', 'she', 'hers', '-----begin', 'ключ'];
  writePackTables([kws, ['token']], ['a{2,5}', '\\w+', '(?i)ab[cd]{3}'], [], file);
  const read = readPackTables(file);
  assert.ok(read, 'the file reads back');
  const stored = read.automata.get(kws.join('\0'));
  assert.ok(stored, 'the automaton for the keyword list is found by its keywords');
  const built = new KeywordAutomaton(kws).tables();
  for (const k of ['lengths', 'cls', 'next', 'outStart', 'outIds'] as const) assert.deepEqual(Array.from(stored[k]), Array.from(built[k]), k);
  assert.equal(stored.nClasses, built.nClasses);
  assert.equal(stored.outBase, built.outBase);
  const text = 'ushers TOKEN api_key -----BEGIN ключ she';
  assert.deepEqual(hits(new KeywordAutomaton(kws, stored), text), hits(new KeywordAutomaton(kws), text));
});

test('pack tables: widths read back equal maxMatchBytes, Infinity included', () => {
  const file = tmp();
  const patterns = ['a{2,5}', '\\w+', '(?i)ab[cd]{3}'];
  writePackTables([], patterns, [], file);
  const read = readPackTables(file)!;
  for (const p of patterns) assert.equal(read.widths.get(p), maxMatchBytes(p), p);
});

test('pack tables: a truncated or foreign file reads as no tables', () => {
  const file = tmp();
  writePackTables([['token', 'secret']], ['x'], [], file);
  const whole = fs.readFileSync(file);
  fs.writeFileSync(file, whole.subarray(0, whole.length - 8));
  assert.equal(readPackTables(file), undefined, 'truncated');
  fs.writeFileSync(file, 'not our tables at all');
  assert.equal(readPackTables(file), undefined, 'foreign');
  assert.equal(readPackTables(path.join(path.dirname(file), 'missing.bin')), undefined, 'missing');
});

test('pack tables: automatonFor returns one automaton per keyword list', () => {
  assert.equal(automatonFor(['alpha', 'beta']), automatonFor(['alpha', 'beta']));
  assert.notEqual(automatonFor(['alpha', 'beta']), automatonFor(['beta', 'alpha']));
});

test('scanner: an allowlist regex RE2 rejects fails createScanner for a config built in code', () => {
  const config: Config = {
    rules: [{ id: 'r', regex: 'tok_[a-z]{8}', keywords: ['tok_'] }],
    allowlists: [{ regexes: ['('] }],
    files: [],
    warnings: [],
  };
  assert.throws(() => createScanner(config), /invalid regex \(RE2 syntax\)/);
});
