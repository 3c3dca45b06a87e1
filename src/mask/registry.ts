/**
 * The set of registered secrets, shared by every mask stream that masks for the same job (stdout and stderr
 * of one command): registering through either stream, or an `::add-mask::` line in either, masks in both.
 * It turns values into forms (policy.ts) and compiles them into automata (automaton.ts), once per version.
 */
import { ByteAutomaton, type TriggerNeedle } from './automaton.js';
import { normalizeSecret, secretForms } from './policy.js';

export interface CompiledNeedles {
  readonly version: number;
  readonly triggerKey: string;
  /** Every form (literal and Base64) plus the rule triggers, matched byte-exactly over every byte. */
  readonly all: ByteAutomaton;
  /** Base64 forms only, run with line breaks skipped, and only while a partial match straddles a break. */
  readonly base64: ByteAutomaton;
  /** For each state of `all`: the row in `base64` of its longest suffix that is a Base64-form prefix. */
  readonly base64Of: Int32Array;
  /**
   * Start filter: `grams[gramHash(b0, b1, b2)]` is 1 when some needle or trigger begins with those three bytes
   * (undefined when one is shorter than 3 bytes). Where it is 0, nothing can start: the engine skips ahead.
   */
  readonly grams: Uint8Array | undefined;
  /**
   * Second stage of the start filter, asked only where `grams` says yes (cheaper than leaving the skip, which
   * common words that begin a trigger, like `lin…` or `api…`, would otherwise do): a position can begin a needle
   * only if bit gramHash4(b0, b1, b2, b3) of `grams4` is set (some needle of 4 bytes or more begins with those
   * four) or `short3` holds b0 b1 b2 (a 3-byte needle is those three). Both are small (32 KiB and 4 KiB): with
   * 256 KiB tables the cache misses made the skip slower than without a second stage.
   */
  readonly grams4: Int32Array | undefined;
  /** Exact: `short3[gramHash3b(…)]` is `0x1000000 | b0 << 16 | b1 << 8 | b2` of the 3-byte needle there, -1 if several. */
  readonly short3: Int32Array | undefined;
  /** short3 keys of the 3-byte forms (not triggers): a trigger's quick rejection never skips over one of these. */
  readonly short3Forms: ReadonlySet<number> | undefined;
  /** Exact first four bytes (b0 << 24 | … | b3, unsigned) of every needle of 4 bytes or more (grams4 without collisions). */
  readonly starts4: ReadonlySet<number> | undefined;
  /** The same for registered forms only (literal and Base64). */
  readonly formStarts4: ReadonlySet<number> | undefined;
  /**
   * With the start filter: bit `(b0 << 8) | b1` of `breakStops` is set when the two bytes b0 b1 before a line
   * break may end the start of a Base64 form (the state reached from the root over them maps to a Base64 row), so
   * the break must take the slow path that starts the break-skipping automaton; other breaks are skipped.
   */
  readonly breakStops: Int32Array | undefined;
}

/** Hash of three bytes into the start filter (16 bits). */
export const gramHash = (b0: number, b1: number, b2: number): number => (b0 * 1031 + b1 * 37 + b2) & 0xffff;
/**
 * Hash of four bytes into the second stage (18 bits, multiplicative: with a linear one like gramHash, common
 * words collided exactly with trigger variants, e.g. `res` + 'e' with `sK.` + 'e').
 */
export const gramHash4 = (b0: number, b1: number, b2: number, b3: number): number =>
  Math.imul((b0 << 24) | (b1 << 16) | (b2 << 8) | b3, 0x9e3779b1) >>> 14;
/** A second hash of three bytes (for 3-byte needles in the second stage). */
export const gramHash3b = (b0: number, b1: number, b2: number): number => (b0 * 8191 + b1 * 1031 + b2 * 131) & 0xfff;

export class SecretRegistry {
  private readonly values = new Set<string>();
  private readonly literal = new Set<string>();
  private readonly base64 = new Set<string>();
  private readonly base64Flags = new Map<string, number>();
  private cache: CompiledNeedles | undefined;
  /** Bumped whenever a new form is added; engines recompile lazily when it changes. */
  version = 0;

  constructor(values: Iterable<string> = []) {
    for (const v of values) this.register(v);
  }

  /**
   * Registers a value and all its forms. Returns false when it was ignored (fewer than 4 code points after
   * trimming) or already known. Never throws on odd input.
   */
  register(value: string): boolean {
    const v = normalizeSecret(String(value));
    if (v === undefined || this.values.has(v)) return false;
    this.values.add(v);
    const forms = secretForms(v);
    let added = false;
    for (const f of forms.literal) if (!this.literal.has(f)) (this.literal.add(f), (added = true));
    for (const f of forms.base64) if (!this.base64.has(f)) (this.base64.add(f), (added = true));
    for (const [f, x] of forms.base64Flags ?? []) {
      const was = this.base64Flags.get(f) ?? 0;
      if ((was | x) !== was) (this.base64Flags.set(f, was | x), (added = true));
    }
    if (added) this.version++;
    return true;
  }

  /** The normalized registered values (for verifiers such as the JWT rule). Never print them. */
  secrets(): IterableIterator<string> {
    return this.values.values();
  }

  get size(): number {
    return this.values.size;
  }

  /** All needle strings (tests use this to check that no form survives). */
  forms(): { literal: string[]; base64: string[]; base64Flags: Map<string, number> } {
    return { literal: [...this.literal], base64: [...this.base64], base64Flags: new Map(this.base64Flags) };
  }

  /** Automata for the current version and trigger set; built once and shared by engines with the same rules. */
  compile(triggers: readonly TriggerNeedle[], triggerKey: string): CompiledNeedles {
    if (this.cache?.version === this.version && this.cache.triggerKey === triggerKey) return this.cache;
    const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
    const b64Strings = [...this.base64];
    const b64 = b64Strings.map(enc);
    const b64Flags = Uint8Array.from(b64Strings, (f) => this.base64Flags.get(f) ?? 0);
    const literalCount = this.literal.size;
    const allFlags = new Uint8Array(literalCount + b64.length);
    allFlags.set(b64Flags, literalCount);
    const all = new ByteAutomaton([...[...this.literal].map(enc), ...b64], triggers, false, allFlags);
    const base64 = new ByteAutomaton(b64, [], false, b64Flags);
    let grams: Uint8Array | undefined = new Uint8Array(65536);
    let grams4: Int32Array | undefined = new Int32Array((1 << 18) >>> 5);
    let short3: Int32Array | undefined = new Int32Array(4096);
    const short3Forms = new Set<number>();
    const starts4 = new Set<number>();
    const forms = [...this.literal].map(enc).concat(b64);
    const formStarts4 = new Set<number>();
    for (const n of forms) {
      if (n.length === 3) short3Forms.add(0x1000000 | (n[0]! << 16) | (n[1]! << 8) | n[2]!);
      if (n.length >= 4) formStarts4.add(((n[0]! << 24) | (n[1]! << 16) | (n[2]! << 8) | n[3]!) >>> 0);
    }
    for (const n of [...[...this.literal].map(enc), ...b64, ...triggers.map((t) => t.bytes)]) {
      if (n.length < 3) {
        grams = grams4 = short3 = undefined;
        break;
      }
      grams[gramHash(n[0]!, n[1]!, n[2]!)] = 1;
      if (n.length === 3) {
        const h = gramHash3b(n[0]!, n[1]!, n[2]!);
        const key = 0x1000000 | (n[0]! << 16) | (n[1]! << 8) | n[2]!;
        short3![h] = short3![h] === 0 || short3![h] === key ? key : -1;
      } else {
        starts4.add(((n[0]! << 24) | (n[1]! << 16) | (n[2]! << 8) | n[3]!) >>> 0);
        const h = gramHash4(n[0]!, n[1]!, n[2]!, n[3]!);
        grams4![h >>> 5] |= 1 << (h & 31);
      }
    }
    const base64Of = all.suffixMap(base64, b64);
    let breakStops: Int32Array | undefined;
    if (grams !== undefined) {
      breakStops = new Int32Array(65536 >>> 5);
      const { delta, classes, classCount } = all;
      // One row of 256 bits per state after b0 (few distinct states: most first bytes lead back to the root).
      const rows = new Map<number, Int32Array>();
      for (let b0 = 0; b0 < 256; b0++) {
        const x = delta[classes[b0]!]!;
        const r0 = x < 0 ? ~x : x;
        let bits = rows.get(r0);
        if (!bits) {
          bits = new Int32Array(8);
          for (let b1 = 0; b1 < 256; b1++) {
            const y = delta[r0 + classes[b1]!]!;
            if (base64Of[(y < 0 ? ~y : y) / classCount] !== 0) bits[b1 >>> 5]! |= 1 << (b1 & 31);
          }
          rows.set(r0, bits);
        }
        breakStops.set(bits, b0 << 3);
      }
    }
    this.cache = { version: this.version, triggerKey, all, base64, base64Of, grams, grams4, short3, short3Forms, starts4, formStarts4, breakStops };
    return this.cache;
  }
}
