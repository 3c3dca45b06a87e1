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
}

/** Hash of three bytes into the start filter (16 bits). */
export const gramHash = (b0: number, b1: number, b2: number): number => (b0 * 1031 + b1 * 37 + b2) & 0xffff;

export class SecretRegistry {
  private readonly values = new Set<string>();
  private readonly literal = new Set<string>();
  private readonly base64 = new Set<string>();
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
  forms(): { literal: string[]; base64: string[] } {
    return { literal: [...this.literal], base64: [...this.base64] };
  }

  /** Automata for the current version and trigger set; built once and shared by engines with the same rules. */
  compile(triggers: readonly TriggerNeedle[], triggerKey: string): CompiledNeedles {
    if (this.cache?.version === this.version && this.cache.triggerKey === triggerKey) return this.cache;
    const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
    const b64 = [...this.base64].map(enc);
    const all = new ByteAutomaton([...[...this.literal].map(enc), ...b64], triggers);
    const base64 = new ByteAutomaton(b64);
    let grams: Uint8Array | undefined = new Uint8Array(65536);
    for (const n of [...[...this.literal].map(enc), ...b64, ...triggers.map((t) => t.bytes)]) {
      if (n.length < 3) {
        grams = undefined;
        break;
      }
      grams[gramHash(n[0]!, n[1]!, n[2]!)] = 1;
    }
    this.cache = { version: this.version, triggerKey, all, base64, base64Of: all.suffixMap(base64, b64), grams };
    return this.cache;
  }
}
