/**
 * The fallback regex engine: the RE2 sources that the `re2` package vendors, compiled to WebAssembly
 * (`wasm/re2.wasm`, built by `wasm/build.sh`), behind the part of node-re2's API that `regex.ts` uses — `new RE2(
 * pattern, flags)`, `lastIndex`, `exec` / `test` over Buffers (byte offsets, `indices` with the `d` flag) and strings,
 * and `RE2.Set`. The C++ side calls RE2 exactly as node-re2 does (same pattern translation, options and `Match`
 * calls), so both engines give the same matches on any bytes, valid UTF-8 or not.
 *
 * Used only by `regex.ts` when the native module cannot be loaded (or `LEAKWARD_REGEX_ENGINE=wasm`).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { packageRoot } from './paths.js';

interface Re2Wasm {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  UTF8ToString(ptr: number): string;
  _lw_alloc(n: number): number;
  _lw_free(p: number): void;
  _lw_error(): number;
  _lw_compile(pattern: number, size: number, flags: number): number;
  _lw_release(re: number): void;
  _lw_groups(re: number): number;
  _lw_match(re: number, text: number, size: number, start: number, anchored: number, out: number): number;
  _lw_test(re: number, text: number, size: number): number;
  _lw_set_new(flags: number, maxMem: number): number;
  _lw_set_add(set: number, pattern: number, size: number, multiline: number): number;
  _lw_set_compile(set: number): number;
  _lw_set_match(set: number, text: number, size: number, out: number, max: number): number;
  _lw_set_release(set: number): void;
}

let wasm: Re2Wasm | undefined;
function engine(): Re2Wasm {
  // Instantiated synchronously (built with WASM_ASYNC_COMPILATION=0): patterns compile at module load.
  wasm ??= (createRequire(import.meta.url)(path.join(packageRoot, 'wasm', 're2.cjs')) as () => Re2Wasm)();
  return wasm;
}

/** Compiled patterns and sets are freed with their JS object. */
const finalizer = new FinalizationRegistry<() => void>((free) => free());

/**
 * One scratch area in wasm memory for the text being searched. A search loop calls `exec` many times on the same
 * Buffer with a growing `lastIndex`; the bytes are copied once per Buffer object, so the caller must not change a
 * Buffer's bytes between two calls that pass that same object (`ByteRegex.exec` states it; the matcher passes a
 * fresh view per search loop).
 */
const text = {
  ptr: 0,
  cap: 0,
  /** The Buffer whose bytes [from, end) sit at ptr (from: the first byte copied). */
  source: undefined as Uint8Array | undefined,
  from: 0,
  end: 0,
};
/** Bytes of context kept before the search start: RE2 looks at one character back for \b, \B and (?m)^. */
const CONTEXT = 4;

/** Copies input[from - CONTEXT, input.length) into wasm memory unless it is there already; returns the window. */
function place(input: Uint8Array, from: number): { base: number; offset: number; size: number } {
  const w = engine();
  const begin = Math.max(0, from - CONTEXT);
  if (text.source !== input || text.from > begin || text.end !== input.length) {
    const size = input.length - begin;
    if (size + 1 > text.cap) {
      if (text.ptr) w._lw_free(text.ptr);
      text.cap = Math.max(size + 1, 2 * text.cap, 1 << 16);
      text.ptr = w._lw_alloc(text.cap);
    }
    w.HEAPU8.set(input.subarray(begin), text.ptr);
    text.source = input;
    text.from = begin;
    text.end = input.length;
  }
  return { base: text.ptr, offset: text.from, size: input.length - text.from };
}

/** Copies a short value (a pattern, a string to test) to fresh wasm memory; the caller frees it. */
function copyIn(bytes: Uint8Array): number {
  const w = engine();
  const p = w._lw_alloc(bytes.length + 1);
  w.HEAPU8.set(bytes, p);
  return p;
}

function flagBits(flags: string): number {
  return (flags.includes('i') ? 1 : 0) | (flags.includes('m') ? 2 : 0) | (flags.includes('s') ? 4 : 0);
}

interface ExecResult {
  index: number;
  indices?: (readonly [number, number] | undefined)[];
}

/** node-re2's `RE2`, as far as `regex.ts` uses it. */
export class WasmRE2 {
  lastIndex = 0;
  private readonly re: number;
  private readonly groups: number;
  private readonly global: boolean;
  private readonly sticky: boolean;
  private readonly hasIndices: boolean;
  private out = 0;

  constructor(readonly source: string, flags = '') {
    const w = engine();
    const pat = copyIn(Buffer.from(source, 'utf8'));
    const re = w._lw_compile(pat, Buffer.byteLength(source, 'utf8'), flagBits(flags));
    w._lw_free(pat);
    if (re === 0) throw new SyntaxError(w.UTF8ToString(w._lw_error()));
    this.re = re;
    this.groups = w._lw_groups(re);
    this.global = flags.includes('g');
    this.sticky = flags.includes('y');
    this.hasIndices = flags.includes('d');
    this.out = w._lw_alloc(8 * (this.groups + 1));
    const out = this.out;
    finalizer.register(this, () => {
      w._lw_release(re);
      w._lw_free(out);
    });
  }

  /** Byte offsets for Buffers; strings are searched as UTF-8 and get byte offsets too (regex.ts never asks). */
  exec(input: Buffer | string): ExecResult | null {
    const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
    const from = this.global || this.sticky ? this.lastIndex : 0;
    if (from > bytes.length) {
      this.lastIndex = 0;
      return null;
    }
    const w = engine();
    const t = place(bytes, from);
    const found = w._lw_match(this.re, t.base, t.size, from - t.offset, this.sticky ? 1 : 0, this.out);
    if (!found) {
      if (this.global || this.sticky) this.lastIndex = 0;
      return null;
    }
    const heap = w.HEAP32;
    const o = this.out >> 2;
    const index = heap[o]! + t.offset;
    if (this.global || this.sticky) this.lastIndex = heap[o + 1]! + t.offset;
    const result: ExecResult = { index };
    if (this.hasIndices) {
      const indices: (readonly [number, number] | undefined)[] = [];
      for (let g = 0; g <= this.groups; g++) {
        const s = heap[o + 2 * g]!;
        indices.push(s < 0 ? undefined : [s + t.offset, heap[o + 2 * g + 1]! + t.offset]);
      }
      result.indices = indices;
    }
    return result;
  }

  /** Whether the pattern matches anywhere (regex.ts uses `test` only without g / y). */
  test(input: Buffer | string): boolean {
    const w = engine();
    const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
    const p = copyIn(bytes);
    const hit = w._lw_test(this.re, p, bytes.length) === 1;
    w._lw_free(p);
    return hit;
  }
}

/** node-re2's `RE2.Set` (unanchored): which patterns match somewhere, ascending. */
export class WasmRE2Set {
  private readonly set: number;
  private readonly size: number;
  private out = 0;

  constructor(patterns: readonly string[], flags = '', options: { maxMem?: number } = {}) {
    const w = engine();
    const set = w._lw_set_new(flagBits(flags), options.maxMem ?? 0);
    const free = (): void => w._lw_set_release(set);
    for (const pattern of patterns) {
      const bytes = Buffer.from(pattern, 'utf8');
      const p = copyIn(bytes);
      const index = w._lw_set_add(set, p, bytes.length, flags.includes('m') ? 1 : 0);
      w._lw_free(p);
      if (index < 0) {
        free();
        throw new SyntaxError(w.UTF8ToString(w._lw_error()));
      }
    }
    if (!w._lw_set_compile(set)) {
      free();
      throw new Error('RE2.Set could not be compiled.');
    }
    this.set = set;
    this.size = patterns.length;
    this.out = w._lw_alloc(4 * Math.max(1, patterns.length));
    const out = this.out;
    finalizer.register(this, () => {
      free();
      w._lw_free(out);
    });
  }

  match(input: Buffer | string): number[] {
    const w = engine();
    const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
    const p = copyIn(bytes);
    const n = w._lw_set_match(this.set, p, bytes.length, this.out, this.size);
    w._lw_free(p);
    if (n < 0) throw new Error(w.UTF8ToString(w._lw_error()));
    return Array.from(w.HEAP32.subarray(this.out >> 2, (this.out >> 2) + n));
  }
}
