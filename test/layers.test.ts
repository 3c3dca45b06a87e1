/**
 * Keeps the arrows of the layout true (docs: ../shared/STYLE.md "Layout"): sources → core → report, mask beside
 * core, the CLI on top, and `re2` behind one file. Reads the import lines of every file under src/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/core/paths.js';

const srcDir = path.join(packageRoot, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** Module specifiers a file imports (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s*['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  return specs;
}

/** The area (`core`, `sources`, …) a relative import lands in, or the package name for a bare one. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec.startsWith('node:') ? 'node:' : spec.split('/')[0]!;
  const rel = path.relative(srcDir, path.resolve(path.dirname(file), spec));
  return rel.includes(path.sep) ? rel.split(path.sep)[0]! : 'index';
}

const allowed: Record<string, readonly string[]> = {
  core: ['core', 'node:', 're2', 'smol-toml'],
  sources: ['sources', 'core', 'node:', 'simple-git', 'micromatch', 'p-limit'],
  mask: ['mask', 'core', 'node:', 'micromatch'],
  report: ['report', 'core', 'node:', 'sarif' /* @types/sarif, types only */, 'store'],
  // sweep uses report/redact.ts only, so a datastore preview reads like every other report's.
  // the queue (sweep/queue*.ts, collector, shared ledger) is the only user of bullmq and ioredis
  sweep: ['sweep', 'core', 'sources', 'store', 'report', 'verify', 'node:', 'micromatch', 'p-limit', 'bullmq', 'ioredis'],
  store: ['store', 'node:', 'better-sqlite3'],
  verify: ['verify', 'core', 'node:', 'p-limit'],
  cli: ['cli', 'core', 'sources', 'mask', 'report', 'sweep', 'store', 'verify', 'index', 'node:', 'micromatch'],
  index: ['core', 'sources', 'mask', 'report', 'sweep', 'store', 'verify'],
};

const files = tsFiles(srcDir);

for (const file of files) {
  const rel = path.relative(srcDir, file);
  const area = rel.includes(path.sep) ? rel.split(path.sep)[0]! : 'index';
  test(`layers: src/${rel.split(path.sep).join('/')} imports only what its layer may`, () => {
    for (const spec of importsOf(file)) {
      const to = target(file, spec);
      assert.ok(allowed[area]?.includes(to), `src/${rel} (${area}) must not import '${spec}' (${to})`);
    }
  });
}

test('layers: only src/store/store.ts imports better-sqlite3', () => {
  const importers = files.filter((f) => importsOf(f).some((s) => s === 'better-sqlite3') || readFileSync(f, 'utf8').includes("('better-sqlite3')"));
  assert.deepEqual(importers.map((f) => path.relative(srcDir, f)), [path.join('store', 'store.ts')]);
});

test('layers: only src/core/regex.ts imports re2', () => {
  const importers = files.filter((f) => importsOf(f).some((s) => s === 're2'));
  assert.deepEqual(importers.map((f) => path.relative(srcDir, f)), [path.join('core', 'regex.ts')]);
});
