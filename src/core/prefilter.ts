/**
 * Keyword prefilter (gitleaks `keywords`): an Aho–Corasick automaton over ASCII-lower-cased bytes, compiled to a
 * dense DFA in typed arrays once per scanner. `scan` walks a byte range once and records every keyword occurrence
 * (end offset + keyword id); the matcher turns occurrences into per-rule regions.
 *
 * Layout (decided at construction, STYLE habit 10):
 * - bytes map to equivalence classes (`cls`): every byte that appears in some keyword gets its own class, A–Z share
 *   the class of a–z, every other byte is class 0. ~40 classes instead of 256 keep the table in L1/L2.
 * - `next[s + c]` is the premultiplied next state (state index × classes), so the hot loop is one load per byte.
 * - states that emit a keyword are numbered last, so "did a keyword end here" is one compare (`s >= outBase`).
 * Keywords are matched case-insensitively for ASCII letters only; other bytes must match exactly.
 */

/** The automaton's tables: what `npm run build` stores in dist/pack-tables.bin (see pack-tables.ts). */
export interface AutomatonTables {
  readonly keywords: readonly string[];
  readonly lengths: Int32Array;
  readonly cls: Uint8Array;
  readonly nClasses: number;
  readonly next: Int32Array;
  readonly outBase: number;
  readonly outStart: Int32Array;
  readonly outIds: Int32Array;
}

export class KeywordAutomaton {
  readonly keywords: readonly string[];
  /** byte length of each keyword */
  readonly lengths: Int32Array;
  private readonly cls: Uint8Array;
  private readonly nClasses: number;
  private readonly next: Int32Array;
  private readonly outBase: number;
  /** for premultiplied output state s: keyword ids outIds[outStart[k]..outStart[k+1]) where k = s/nClasses - firstOut */
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;

  /** Builds the DFA for `keywords`, or adopts prebuilt `tables` (which must be for the same keywords). */
  constructor(keywords: readonly string[], tables?: AutomatonTables) {
    this.keywords = keywords;
    if (tables) {
      this.lengths = tables.lengths;
      this.cls = tables.cls;
      this.nClasses = tables.nClasses;
      this.next = tables.next;
      this.outBase = tables.outBase;
      this.outStart = tables.outStart;
      this.outIds = tables.outIds;
      return;
    }
    const bytesOf = keywords.map((k) => lowerAscii(Buffer.from(k, 'utf8')));
    this.lengths = Int32Array.from(bytesOf, (b) => b.length);

    // byte classes
    const cls = new Uint8Array(256);
    let n = 1;
    for (const b of bytesOf) {
      for (const x of b) {
        if (cls[x] === 0) cls[x] = n++;
      }
    }
    for (let c = 0x41; c <= 0x5a; c++) cls[c] = cls[c + 32]!;
    this.cls = cls;
    this.nClasses = n;

    // trie
    const goto: Int32Array[] = [new Int32Array(n).fill(-1)];
    const out: number[][] = [[]];
    bytesOf.forEach((b, id) => {
      if (b.length === 0) return;
      let s = 0;
      for (const x of b) {
        const c = cls[x]!;
        let t = goto[s]![c]!;
        if (t < 0) {
          t = goto.length;
          goto.push(new Int32Array(n).fill(-1));
          out.push([]);
          goto[s]![c] = t;
        }
        s = t;
      }
      out[s]!.push(id);
    });
    const nStates = goto.length;

    // failure links, BFS; complete the DFA
    const fail = new Int32Array(nStates);
    const queue: number[] = [];
    for (let c = 0; c < n; c++) {
      const t = goto[0]![c]!;
      if (t < 0) goto[0]![c] = 0;
      else {
        fail[t] = 0;
        queue.push(t);
      }
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      out[s]!.push(...out[fail[s]!]!);
      for (let c = 0; c < n; c++) {
        const t = goto[s]![c]!;
        if (t < 0) goto[s]![c] = goto[fail[s]!]![c]!;
        else {
          fail[t] = goto[fail[s]!]![c]!;
          queue.push(t);
        }
      }
    }

    // renumber: non-output states first (root stays 0), output states last
    const order: number[] = [];
    for (let s = 0; s < nStates; s++) if (out[s]!.length === 0) order.push(s);
    const firstOut = order.length;
    for (let s = 0; s < nStates; s++) if (out[s]!.length > 0) order.push(s);
    const newIndex = new Int32Array(nStates);
    order.forEach((old, i) => (newIndex[old] = i));
    const next = new Int32Array(nStates * n);
    for (let i = 0; i < nStates; i++) {
      const row = goto[order[i]!]!;
      for (let c = 0; c < n; c++) next[i * n + c] = newIndex[row[c]!]! * n;
    }
    this.next = next;
    this.outBase = firstOut * n;
    const outStart = new Int32Array(nStates - firstOut + 1);
    const ids: number[] = [];
    for (let i = firstOut; i < nStates; i++) {
      outStart[i - firstOut] = ids.length;
      ids.push(...out[order[i]!]!);
    }
    outStart[nStates - firstOut] = ids.length;
    this.outStart = outStart;
    this.outIds = Int32Array.from(ids);
  }

  /**
   * Records every keyword occurrence ending in [start, end) into `hits` (pairs: end offset exclusive, keyword id).
   * The automaton starts fresh at `start`.
   */
  scan(buf: Uint8Array, start: number, end: number, hits: HitList): void {
    const next = this.next;
    const cls = this.cls;
    const outBase = this.outBase;
    let s = 0;
    for (let i = start; i < end; i++) {
      s = next[s + cls[buf[i]!]!]!;
      if (s >= outBase) {
        const k = (s - outBase) / this.nClasses;
        const a = this.outStart[k]!;
        const b = this.outStart[k + 1]!;
        for (let j = a; j < b; j++) hits.push(i + 1, this.outIds[j]!);
      }
    }
  }

  /** The tables, for storing them (pack-tables.ts). */
  tables(): AutomatonTables {
    const { keywords, lengths, cls, nClasses, next, outBase, outStart, outIds } = this;
    return { keywords, lengths, cls, nClasses, next, outBase, outStart, outIds };
  }

  /** Number of DFA states (for reports and benchmarks). */
  get stateCount(): number {
    return this.next.length / this.nClasses;
  }
}

/** A growable list of (end offset, keyword id) pairs, reused between windows. */
export class HitList {
  data = new Int32Array(1024);
  length = 0; // number of int32 slots used (2 per hit)
  push(end: number, id: number): void {
    if (this.length + 2 > this.data.length) {
      const d = new Int32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = end;
    this.data[this.length++] = id;
  }
  clear(): void {
    this.length = 0;
  }
}

function lowerAscii(b: Buffer): Buffer {
  const out = Buffer.from(b);
  for (let i = 0; i < out.length; i++) {
    const x = out[i]!;
    if (x >= 0x41 && x <= 0x5a) out[i] = x + 32;
  }
  return out;
}
