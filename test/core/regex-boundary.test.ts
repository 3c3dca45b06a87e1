/** STYLE habit 4: src/core/regex.ts is the only file that imports `re2`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/core/paths.js';

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []);
}

test('only src/core/regex.ts imports re2', () => {
  const importers = tsFiles(path.join(packageRoot, 'src'))
    .filter((f) => /(?:from\s+|require\()\s*['"]re2['"]/.test(readFileSync(f, 'utf8')))
    .map((f) => path.relative(packageRoot, f).split(path.sep).join('/'));
  assert.deepEqual(importers, ['src/core/regex.ts']);
});
