/**
 * Where a match sits, as far as precision is concerned: the kind of file (from its path, decided once per fragment)
 * and the line around the match (byte checks, no `RegExp` on scanned content).
 *
 * - documentation-example files: vendor API examples shipped as data (`*.examples.json`, `examples-1.json`);
 * - type declarations (`.d.ts`): their comment lines are API documentation, not values;
 * - YAML / JSON: an OpenAPI `examples:` / `example:` block above the match is documentation;
 * - test fixtures (`test/`, `t/`, `__tests__/`, `testdata/`, `*.test.js`, `*_test.go`, `test_*.py`, …);
 * - minified code: a line longer than MINIFIED_LINE bytes.
 */

export const PATH_DOC_EXAMPLES = 1;
export const PATH_TYPE_DECLARATIONS = 2;
export const PATH_YAML_JSON = 4;
export const PATH_TEST_FIXTURE = 8;

/** A line longer than this (bytes) is minified or generated code, where generic rules need a stronger signal. */
export const MINIFIED_LINE = 4096;

const TEST_DIRS = new Set(['t', 'test', 'tests', '__tests__', 'spec', 'specs', 'testdata', 'test-data', 'fixture', 'fixtures',
  '__fixtures__', '__mocks__', 'testing', 'testcases', 'test_data']);

function isTestFileName(base: string): boolean {
  const b = base.toLowerCase();
  const dot = b.indexOf('.');
  const stem = dot > 0 ? b.slice(0, dot) : b;
  if (stem === 'test' || stem === 'tests' || stem === 'spec') return true;
  if (b.startsWith('test_') || b.startsWith('test-')) return true;
  if (stem.endsWith('_test') || stem.endsWith('_tests') || stem.endsWith('_spec')) return true;
  if (b.includes('.test.') || b.includes('.spec.')) return true;
  // Java / C#: FooTest.java, FooTests.cs
  return /* camel */ (base.endsWith('Test.java') || base.endsWith('Tests.java') || base.endsWith('Test.kt') || base.endsWith('Tests.cs') || base.endsWith('Test.cs'));
}

/** Path kind flags of a fragment path (`/` separators). */
export function pathKind(path: string): number {
  let k = 0;
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const lower = base.toLowerCase();
  if (lower.endsWith('.json') || lower.endsWith('.yaml') || lower.endsWith('.yml')) k |= PATH_YAML_JSON;
  if (lower.endsWith('.json')) {
    const stem = lower.slice(0, -5);
    // foo.examples.json, examples-1.json, example.json, api-examples.json
    let s = stem;
    while (s.length > 0 && (s.charCodeAt(s.length - 1) >= 0x30 && s.charCodeAt(s.length - 1) <= 0x39)) s = s.slice(0, -1);
    if (s.endsWith('-') || s.endsWith('_') || s.endsWith('.')) s = s.slice(0, -1);
    if (s === 'example' || s === 'examples' || s.endsWith('.examples') || s.endsWith('.example') || s.endsWith('-examples') || s.endsWith('_examples')) k |= PATH_DOC_EXAMPLES;
  }
  if (lower.endsWith('.d.ts') || lower.endsWith('.d.mts') || lower.endsWith('.d.cts')) k |= PATH_TYPE_DECLARATIONS;
  if (isTestFileName(base)) k |= PATH_TEST_FIXTURE;
  else {
    const dirs = slash > 0 ? path.slice(0, slash).split('/') : [];
    for (const d of dirs) if (TEST_DIRS.has(d.toLowerCase())) {
      k |= PATH_TEST_FIXTURE;
      break;
    }
  }
  return k;
}

export function lineStart(buf: Buffer, pos: number): number {
  return pos > 0 ? buf.lastIndexOf(10, pos - 1) + 1 : 0;
}

export function lineEnd(buf: Buffer, pos: number): number {
  const e = buf.indexOf(10, pos);
  return e < 0 ? buf.length : e;
}

/** Is the line holding `pos` longer than MINIFIED_LINE? (A window cut line counts as long: it is at least that.) */
export function inLongLine(buf: Buffer, pos: number): boolean {
  const s = lineStart(buf, pos);
  if (pos - s > MINIFIED_LINE) return true;
  const e = buf.indexOf(10, pos);
  return (e < 0 ? buf.length : e) - s > MINIFIED_LINE;
}

function indentOf(buf: Buffer, s: number, e: number): number {
  let i = s;
  while (i < e && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  return i === e ? -1 : i - s; // -1: blank line
}

/** The line holding `pos` is a comment line: starts with `*`, `/*`, `//` or `#` after its indentation. */
export function inCommentLine(buf: Buffer, pos: number): boolean {
  const s = lineStart(buf, pos);
  let i = s;
  while (i < pos && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  const c = buf[i];
  return c === 0x2a || c === 0x23 || (c === 0x2f && (buf[i + 1] === 0x2f || buf[i + 1] === 0x2a));
}

const EXAMPLE_KEYS = ['examples', 'example', 'x-examples', 'x-example'];

/** The key of a YAML/JSON line: `  examples:`, `- example:`, `"examples": {` → the name (lower-case), else ''. */
function keyOf(buf: Buffer, s: number, e: number): string {
  let i = s;
  while (i < e && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x2d)) i++;
  const q = buf[i] === 0x22 || buf[i] === 0x27 ? buf[i] : 0;
  if (q) i++;
  const k0 = i;
  while (i < e && i - k0 < 40 && buf[i] !== 0x3a && buf[i] !== q) i++;
  const key = buf.toString('latin1', k0, i).toLowerCase();
  if (q && buf[i] === q) i++;
  return buf[i] === 0x3a ? key : '';
}

/**
 * Is `pos` inside an `examples:` / `example:` block of a YAML or (pretty-printed) JSON document? Walks up the
 * indentation ancestors of the line (at most 400 lines or 32 KB back).
 */
export function inExamplesBlock(buf: Buffer, pos: number): boolean {
  let s = lineStart(buf, pos);
  let indent = indentOf(buf, s, lineEnd(buf, s));
  if (indent <= 0) return false;
  const floor = Math.max(0, s - (32 << 10));
  for (let n = 0; n < 400 && s > floor; n++) {
    const e = s - 1;
    s = lineStart(buf, e);
    const ind = indentOf(buf, s, e);
    if (ind < 0 || ind >= indent) continue;
    if (EXAMPLE_KEYS.includes(keyOf(buf, s, e))) return true;
    indent = ind;
    if (indent === 0) return false;
  }
  return false;
}

/** Does the match at `start` continue a URN (`urn:ietf:params:oauth:token-type:…`)? Names in it are not assignments. */
export function inUrn(buf: Buffer, start: number): boolean {
  let i = start;
  const floor = Math.max(0, start - 256);
  while (i > floor) {
    const c = buf[i - 1]!;
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x3a || c === 0x2e || c === 0x2d || c === 0x5f;
    if (!ok) break;
    i--;
  }
  if (i === start || start - i < 4) return false;
  const head = buf.toString('latin1', i, i + 4).toLowerCase();
  return head === 'urn:';
}
