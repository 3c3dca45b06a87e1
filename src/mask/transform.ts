/**
 * `createMaskStream()`: a Node Transform (bytes in, bytes out) that replaces every registered secret,
 * every encoded form of one (policy.ts) and every high-confidence rule match with `***`.
 * CI runners pipe a job's stdout/stderr through it; design after Buildkite's `internal/replacer`.
 *
 * Invariants (each has a test of the same name in test/mask/transform.test.ts):
 * 1. Output is byte-identical for every chunking of the same input, including splits inside multi-byte characters.
 * 2. No byte of a registered form is emitted before it is proven not to be part of a match.
 * 3. Overlapping or touching matches are masked as one span; at end() a held tail of 4 or more characters that begins a registered form is masked, shorter unfinished matches are not.
 * 4. Held-back bytes never exceed the longest literal form minus one (Base64 forms: that many characters plus
 *    the line breaks between them; an unfinished `::add-mask::` line, an open rule candidate and the token
 *    look-behind of pack rules aside).
 *    (Rule candidates hold at most their cap; the look-behind holds the trailing run of token bytes of a write,
 *    at most 256, so a keyword in the middle of a token, like OpenAI's `T3BlbkFJ`, can reach back over it.)
 * 5. Bytes outside masked spans are emitted unchanged and in order: nothing added, nothing dropped
 *    (except `::add-mask::` command lines, which are removed).
 * 6. Matching runs on the original input; the `***` replacement is never scanned again.
 * 7. Registering applies to every byte not yet emitted; an `::add-mask::` value applies to everything after
 *    its line, before any of it is emitted.
 * 8. A rule candidate holds bytes back at most its rule's cap; an undecided fail-closed candidate is masked up to it.
 *
 * Overhead: while nothing is pending, a three-byte start filter per byte (no dependency between bytes, four
 * positions per branch; with the pack's triggers, a four-byte second stage where the first says yes, and
 * `Sentry`/`path`-like words that cannot reach the shortest pack secret are rejected without a window; where a
 * trigger begins, the rules' trigger checks — `://` without `user:pass@`, pack keywords whose regex fixes the bytes
 * after them, like Airtable's `pat` + 14 alnum + `.` (rules.ts: keywordChecks), and shortReject — may let the skip
 * go on, judged on the bytes at hand only, so every chunking gives the same output);
 * otherwise one table load per byte; the break-skipping Base64 automaton runs only after a line break that
 * ends the start of a Base64 form; one native search per write for `\n::add-mask::`; output is views of the
 * written chunk (the held tail and the chunk are separate segments, never concatenated). Registering rebuilds
 * the automata lazily (about 10–15 ms for 100 secrets plus the pack's triggers, warm; edges in typed arrays and
 * rows encoded as they are written). Figures: bench/mask.bench.ts.
 * Safety: a secret split across any chunk boundary is still masked (the engine holds the partial match);
 * nothing in this module logs or throws with stream content.
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { MaskEngine, type MaskRule } from './engine.js';
import { unescapeAddMask } from './policy.js';
import { SecretRegistry } from './registry.js';
import { jwtRule, keywordChecks, MIN_TOKEN, privateKeyRule, scannerRule, urlCredentialsRule } from './rules.js';
import { builtinConfig } from '../core/config.js';
import { createScanner } from '../core/scanner.js';

export interface MaskStreamOptions {
  /** Initial secrets. */
  readonly secrets?: Iterable<string>;
  /** Initial derived values (a JWT, an HMAC, a Basic-auth blob): same treatment as secrets. */
  readonly derived?: Iterable<string>;
  /** Rule masking (private-key blocks, URL credentials, plugged-in high-confidence rules). Default true. */
  readonly rules?: boolean;
  /**
   * The rules plugged in when `rules` is on, besides the built-in private-key and URL-credential rules.
   * Default: the built-in pack's high-confidence rules (`scannerRule(createScanner(builtinConfig()), …)`).
   */
  readonly extraRules?: readonly MaskRule[];
  /** Share registered secrets with other mask streams (stdout and stderr of one job). */
  readonly registry?: SecretRegistry;
  /** Honour `::add-mask::VALUE` lines: register VALUE, drop the line. Default true. */
  readonly commands?: boolean;
  readonly highWaterMark?: number;
  /** Detection only: write everything through unchanged (call `onMask` for what would be masked). */
  readonly detectOnly?: boolean;
  /** Called for each emitted piece of a masked span with its stream offsets (`::add-mask::` lines not counted). */
  readonly onMask?: (start: number, end: number) => void;
}

export interface MaskStream extends Transform {
  /** Registers a secret; returns false when ignored (shorter than 4 code points) or already known. */
  register(value: string): boolean;
  /** Registers a derived value (same semantics as register). */
  registerDerived(value: string): boolean;
  readonly registry: SecretRegistry;
  /** Bytes currently held back (diagnostics). */
  readonly heldBytes: number;
}

const OPTION_TYPES: Record<keyof MaskStreamOptions, string> = {
  secrets: 'strings', derived: 'strings', rules: 'boolean', extraRules: 'rules', registry: 'registry', commands: 'boolean',
  highWaterMark: 'size', detectOnly: 'boolean', onMask: 'function',
};

/**
 * Throws a TypeError naming the first bad option (`{ secrets: 'one-string' }` would otherwise mask nothing).
 * Returns the options with `secrets` and `derived` as arrays (a generator is read once, here).
 */
function validateOptions(options: unknown): MaskStreamOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError('createMaskStream: options must be an object');
  }
  const out: Record<string, unknown> = { ...options };
  for (const [key, value] of Object.entries(options)) {
    const kind = (OPTION_TYPES as Record<string, string | undefined>)[key];
    if (kind === undefined) throw new TypeError(`createMaskStream: unknown option '${key}'`);
    if (value === undefined) continue;
    const bad = (want: string): never => {
      throw new TypeError(`createMaskStream: option '${key}' must be ${want}`);
    };
    switch (kind) {
      case 'strings': {
        if (typeof value === 'string' || value === null || typeof (value as Iterable<unknown>)[Symbol.iterator] !== 'function') {
          bad('an iterable of strings (an array), not a single string');
        }
        const list = [...(value as Iterable<unknown>)];
        if (list.some((v) => typeof v !== 'string')) bad('an iterable of strings; it holds a non-string');
        out[key] = list;
        break;
      }
      case 'boolean':
        if (typeof value !== 'boolean') bad('a boolean');
        break;
      case 'function':
        if (typeof value !== 'function') bad('a function');
        break;
      case 'size':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) bad('a non-negative integer');
        break;
      case 'registry':
        if (!(value instanceof SecretRegistry)) bad('a SecretRegistry');
        break;
      case 'rules':
        if (!Array.isArray(value) || value.some((r) => r === null || typeof r !== 'object' || typeof (r as MaskRule).decide !== 'function')) {
          bad('an array of MaskRule objects');
        }
        break;
      default:
        throw new TypeError(`createMaskStream: option '${key}' is not checked`);
    }
  }
  return out as MaskStreamOptions;
}

class MaskTransform extends Transform implements MaskStream {
  readonly registry: SecretRegistry;
  private readonly engine: MaskEngine;

  constructor(options: MaskStreamOptions) {
    const topts: TransformOptions = { decodeStrings: true };
    if (options.highWaterMark !== undefined) topts.highWaterMark = options.highWaterMark;
    super(topts);
    const registry = options.registry ?? new SecretRegistry();
    this.registry = registry;
    for (const v of options.secrets ?? []) registry.register(v);
    for (const v of options.derived ?? []) registry.register(v);
    const rules: MaskRule[] = [jwtRule(registry)];
    if (options.rules !== false) rules.push(privateKeyRule, urlCredentialsRule, ...(options.extraRules ?? defaultPackRules()));
    this.engine = new MaskEngine(registry, {
      rules,
      detectOnly: options.detectOnly === true,
      ...(options.onMask ? { onMask: options.onMask } : {}),
      ...(options.commands === false ? {} : { onCommand: (raw: Buffer) => void registry.register(unescapeAddMask(raw.toString('utf8'))) }),
    });
  }

  register(value: string): boolean {
    this.assertOpen('register');
    return this.registry.register(value);
  }

  registerDerived(value: string): boolean {
    this.assertOpen('registerDerived');
    return this.registry.register(value);
  }

  /** After end() the held tail is flushed: a secret registered now could not apply to it, so say so loudly. */
  private assertOpen(what: string): void {
    if (this.writableEnded) throw new Error(`${what}() after end(): the stream has flushed its output; register secrets before ending it`);
  }

  get heldBytes(): number {
    return this.engine.heldBytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pushAll(this.engine.write(chunk));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.pushAll(this.engine.end());
    cb();
  }

  /** Small pieces are joined (fewer downstream writes); big ones go as they are (no copy). */
  private pushAll(pieces: Buffer[]): void {
    if (pieces.length === 1) {
      this.push(pieces[0]);
      return;
    }
    let total = 0;
    for (const p of pieces) total += p.length;
    if (total <= 16 * 1024) {
      if (total > 0) this.push(Buffer.concat(pieces, total));
      return;
    }
    let small: Buffer[] = [];
    for (const p of pieces) {
      if (p.length >= 4096) {
        if (small.length > 0) this.push(Buffer.concat(small));
        small = [];
        this.push(p);
      } else small.push(p);
    }
    if (small.length > 0) this.push(Buffer.concat(small));
  }
}

let packRules: readonly MaskRule[] | undefined;

/** The built-in pack's high-confidence rules as one MaskRule, compiled once per process. */
export function defaultPackRules(): readonly MaskRule[] {
  if (!packRules) {
    const config = builtinConfig();
    const high = config.rules.filter((r) => r.confidence === 'high');
    const keywords = high.flatMap((r) => r.keywords ?? []);
    const rule = scannerRule(createScanner(config), keywords, MIN_TOKEN, keywordChecks(high));
    packRules = rule ? [rule] : [];
  }
  return packRules;
}

/** A masking Transform; see the invariants above. */
export function createMaskStream(options: MaskStreamOptions = {}): MaskStream {
  return new MaskTransform(validateOptions(options));
}
