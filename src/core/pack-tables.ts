/**
 * Scanner construction work moved to build time (STYLE habit 10, one step further: decide at `npm run build`).
 * `createScanner` needs the keyword automaton of its rules (~2,000 DFA states for the built-in pack: 15–20 ms to
 * build in a fresh process) and every rule regex's width (regex-width.ts: 5–8 ms). `npm run build` stores both for
 * the built-in pack in `dist/pack-tables.bin`, beside `dist/pack.json`; a process maps the file in once (< 1 ms) and
 * reuses what it finds.
 *
 * Invariants
 * 1. Lookups are by content: an automaton by its exact keyword list, a width by its exact pattern. Stale, missing
 *    or foreign tables cost the time to build, never a wrong result. A format change bumps MAGIC.
 * 2. Whatever is built at run time is kept for the rest of the process (bounded), so the second scanner over the
 *    same rules (a worker thread aside: each isolate has its own) costs no automaton and no widths.
 *
 * File layout (little-endian): MAGIC (8 bytes), u32 header length, header JSON, zero padding to a multiple of 4,
 * then per automaton: cls (256 bytes), lengths, next, outStart, outIds (int32 each; lengths in the header).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from './paths.js';
import { KeywordAutomaton, type AutomatonTables } from './prefilter.js';
import { matchesContainKeyword } from './keyword-containment.js';
import { maxMatchBytes } from './regex-width.js';

/** Where `npm run build` writes the tables. */
export const packTablesFile: string = path.join(packageRoot, 'dist', 'pack-tables.bin');

const MAGIC = Buffer.from('LWTAB\x00\x00\x01', 'latin1');

interface Header {
  readonly automata: readonly {
    readonly keywords: readonly string[];
    readonly nClasses: number;
    readonly outBase: number;
    readonly nLengths: number;
    readonly nNext: number;
    readonly nOutStart: number;
    readonly nOutIds: number;
  }[];
  /** [pattern, width] pairs; null width = Infinity */
  readonly widths: readonly (readonly [string, number | null])[];
  /** [pattern, keywords joined by NUL, keywordRadius]; null = Infinity */
  readonly radii?: readonly (readonly [string, string, number | null])[];
}

const keyOf = (keywords: readonly string[]): string => keywords.join('\0');

/** Automata by keyword list: built at run time or read from the file. Small: a handful of rule sets per process. */
const automata = new Map<string, KeywordAutomaton>();
const MAX_AUTOMATA = 16;
const widths = new Map<string, number>();
const MAX_WIDTHS = 20_000;
let stored: Map<string, AutomatonTables> | undefined;

/** The keyword automaton for this exact keyword list: cached, prebuilt, or built now. */
export function automatonFor(keywords: readonly string[]): KeywordAutomaton {
  const key = keyOf(keywords);
  let ac = automata.get(key);
  if (ac) return ac;
  const tables = loadStored().get(key);
  ac = new KeywordAutomaton(keywords, tables);
  if (automata.size >= MAX_AUTOMATA) automata.delete(automata.keys().next().value!);
  automata.set(key, ac);
  return ac;
}

/**
 * How far from a keyword occurrence the scanner runs a rule: its longest possible match when every match is proven
 * to contain one of its keywords (keyword-containment.ts); otherwise Infinity (once a keyword occurs in a window, the
 * rule runs over all of it, as gitleaks runs it over its whole fragment). Remembered.
 */
export function keywordRadius(pattern: string, keywords: readonly string[]): number {
  if (stored === undefined) loadStored();
  const key = radiusKey(pattern, keyOf(keywords));
  let r = radii.get(key);
  if (r === undefined) {
    r = computeRadius(pattern, keywords);
    if (radii.size < MAX_WIDTHS) radii.set(key, r);
  }
  return r;
}
const computeRadius = (pattern: string, keywords: readonly string[]): number =>
  matchesContainKeyword(pattern, keywords) ? maxMatchBytes(pattern, Infinity) : Infinity;
const radii = new Map<string, number>();
const radiusKey = (pattern: string, keywords: string): string => `${pattern}\0\0${keywords}`;

/** `maxMatchBytes(pattern)`, remembered (and prebuilt for the built-in pack). */
export function regexWidth(pattern: string): number {
  if (stored === undefined) loadStored();
  let w = widths.get(pattern);
  if (w === undefined) {
    w = maxMatchBytes(pattern);
    if (widths.size < MAX_WIDTHS) widths.set(pattern, w);
  }
  return w;
}

/** Reads the file once per process (per isolate); an unreadable or foreign file reads as empty. */
function loadStored(): Map<string, AutomatonTables> {
  if (stored) return stored;
  stored = new Map();
  const read = readPackTables(packTablesFile);
  if (read) {
    for (const [p, w] of read.widths) if (!widths.has(p)) widths.set(p, w);
    for (const [k, r] of read.radii) if (!radii.has(k)) radii.set(k, r);
    stored = read.automata;
  }
  return stored;
}

/** The tables in `file` (automata by keyword list, widths by pattern), or undefined when missing or not ours. */
export function readPackTables(
  file: string,
): { automata: Map<string, AutomatonTables>; widths: Map<string, number>; radii: Map<string, number> } | undefined {
  try {
    if (os.endianness() !== 'LE') return undefined;
    let buf = readFileSync(file);
    if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) return undefined;
    // Int32Array views need 4-byte alignment within the ArrayBuffer.
    if (buf.byteOffset % 4 !== 0) buf = Buffer.from(buf);
    const hlen = buf.readUInt32LE(8);
    const header = JSON.parse(buf.toString('utf8', 12, 12 + hlen)) as Header;
    let off = (12 + hlen + 3) & ~3;
    const ints = (n: number): Int32Array => {
      // a truncated file throws here (RangeError): read as no tables
      const a = new Int32Array(buf.buffer, buf.byteOffset + off, n);
      off += 4 * n;
      return a;
    };
    const found = new Map<string, AutomatonTables>();
    for (const a of header.automata) {
      const cls = new Uint8Array(buf.buffer, buf.byteOffset + off, 256);
      off += 256;
      const lengths = ints(a.nLengths);
      const next = ints(a.nNext);
      const outStart = ints(a.nOutStart);
      const outIds = ints(a.nOutIds);
      found.set(keyOf(a.keywords), { keywords: a.keywords, lengths, cls, nClasses: a.nClasses, next, outBase: a.outBase, outStart, outIds });
    }
    if (off !== buf.length) return undefined;
    return {
      automata: found,
      widths: new Map(header.widths.map(([p, w]) => [p, w === null ? Infinity : w])),
      radii: new Map((header.radii ?? []).map(([p, k, r]) => [radiusKey(p, k), r === null ? Infinity : r])),
    };
  } catch {
    // no tables (a source checkout before `npm run build`), or a truncated file: build at run time
    return undefined;
  }
}

/** Build step: stores the automata for these keyword lists, the widths of these patterns and the rules' radii. */
export function writePackTables(
  keywordLists: readonly (readonly string[])[],
  patterns: readonly string[],
  rules: readonly (readonly [string, readonly string[]])[] = [],
  file = packTablesFile,
): void {
  const seen = new Set<string>();
  const tables: AutomatonTables[] = [];
  for (const kws of keywordLists) {
    const key = keyOf(kws);
    if (seen.has(key)) continue;
    seen.add(key);
    tables.push(new KeywordAutomaton(kws).tables());
  }
  const header: Header = {
    automata: tables.map((t) => ({
      keywords: t.keywords, nClasses: t.nClasses, outBase: t.outBase,
      nLengths: t.lengths.length, nNext: t.next.length, nOutStart: t.outStart.length, nOutIds: t.outIds.length,
    })),
    widths: [...new Set(patterns)].map((p) => {
      const w = maxMatchBytes(p);
      return [p, Number.isFinite(w) ? w : null] as const;
    }),
    radii: rules.map(([p, kws]) => {
      const r = computeRadius(p, kws); // not the cache: it may hold an older build's figures
      return [p, keyOf(kws), Number.isFinite(r) ? r : null] as const;
    }),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const pad = Buffer.alloc(((12 + json.length + 3) & ~3) - (12 + json.length));
  const parts: Buffer[] = [MAGIC, len, json, pad];
  const le = (a: Int32Array): Buffer => {
    const b = Buffer.alloc(a.length * 4);
    for (let i = 0; i < a.length; i++) b.writeInt32LE(a[i]!, 4 * i);
    return b;
  };
  for (const t of tables) parts.push(Buffer.from(t.cls), le(t.lengths), le(t.next), le(t.outStart), le(t.outIds));
  // Written aside and renamed: a scan running during a build reads the old file or the new one, never half of one.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat(parts));
  renameSync(tmp, file);
}

/**
 * Specs (allowlists) whose regexes the config loader has already compiled once to check them (`checkRegex`), or
 * that come from the built pack: the scanner compiles their regexes on first use instead of up front. A spec not
 * marked here (a Config built in code) is compiled at construction, so a bad pattern still fails `createScanner`.
 */
const checkedSpecs = new WeakSet<object>();
export function markChecked(spec: object): void {
  checkedSpecs.add(spec);
}
export function isChecked(spec: object): boolean {
  return checkedSpecs.has(spec);
}
