/**
 * A byte-level Aho–Corasick automaton compiled to a dense DFA: the masker's mechanism (STYLE habit 6).
 * It knows byte strings and nothing about secrets, encodings or streams.
 *
 * Layout (decided once at construction, STYLE habit 10):
 * - Bytes are mapped to equivalence classes: every byte that occurs in some needle gets its own class,
 *   all other bytes share class 0. A row of the table has `classCount` entries.
 * - `delta[row + class]` is the next state's row offset (state × classCount), bitwise-negated (`~row`)
 *   when the next state has an output (a needle or trigger ends there), so the hot loop tests `x < 0`.
 * - `maskLen[state]`: length of the longest mask needle that is a suffix of the state's string (0: none).
 *   Every shorter needle ending at the same byte lies inside that span, so the longest is all the masker needs.
 * - `depth[state]`: length of the state's string — the longest suffix of the input read so far that is a
 *   prefix of some needle. The masker holds back exactly that many bytes (STYLE habit 5, invariant 4).
 * Building is O(total needle bytes × classCount); scanning is one table load per byte (linear time).
 */

/** A trigger literal: when it occurs, rule number `rule` opens a candidate window. */
export interface TriggerNeedle {
  readonly bytes: Uint8Array;
  readonly rule: number;
}

/** Output of a state: triggers ending there (rare), as [rule, length] pairs. */
export type TriggerHits = readonly (readonly [rule: number, length: number])[];

export class ByteAutomaton {
  readonly classes: Uint16Array;
  readonly classCount: number;
  readonly delta: Int32Array;
  readonly maskLen: Int32Array;
  readonly depth: Int32Array;
  /** Triggers ending at a state (through failure links), keyed by state number. */
  readonly triggers: ReadonlyMap<number, TriggerHits>;
  /** 1 for the states that `triggers` has (a typed-array test before the Map lookup on the hot path). */
  readonly hasTriggers: Uint8Array;
  readonly stateCount: number;
  /** Failure link of each state, and the states in BFS order (shallowest first). */
  readonly fail: Int32Array;
  readonly order: Int32Array;
  /** Longest mask needle in bytes (0 when there is none). */
  readonly maxNeedle: number;
  /** 1 for the states whose string is a prefix of some mask needle (not only of a trigger). */
  readonly needlePrefix: Uint8Array;
  /**
   * Span extensions (from the needles' flags): bit 1 when the longest mask needle ending at the state extends its
   * span one byte to the left, bit 2 when some needle ending there extends it one byte to the right, bit 4 when the
   * state's string is a prefix of a needle that extends to the left (the byte before it must be held back).
   */
  readonly ext: Uint8Array;
  /** Some needle extends to the left. */
  readonly hasLeftExt: boolean;

  /**
   * @param foldCase match ASCII letters in any case (both cases share a byte class, so scanning costs the same).
   */
  /** @param flags per needle (same order): 1 extend left, 2 extend right (see `ext`). */
  constructor(needles: Iterable<Uint8Array>, triggerNeedles: readonly TriggerNeedle[] = [], foldCase = false, flags?: Uint8Array) {
    const fold = (b: number): number => (foldCase && b >= 0x41 && b <= 0x5a ? b + 0x20 : b);
    // 1. Trie over raw bytes, as edge lists in typed arrays (a Map per state cost more than the whole BFS):
    //    state s's edges are firstEdge[s], then edgeNext[e] …, in insertion order; edge e goes to edgeTo[e] on edgeByte[e].
    const needleList = [...needles];
    let cap = 1;
    for (const x of needleList) cap += x.length;
    for (const t of triggerNeedles) cap += t.bytes.length;
    const firstEdge = new Int32Array(cap).fill(-1);
    const lastEdge = new Int32Array(cap).fill(-1);
    const edgeNext = new Int32Array(cap).fill(-1);
    const edgeTo = new Int32Array(cap);
    const edgeByte = new Uint8Array(cap);
    let stateCount = 1;
    const own = new Int32Array(cap);
    const ownTriggers = new Map<number, [number, number][]>();
    const used = new Uint8Array(256);
    let maxNeedle = 0;
    const onNeedle = new Uint8Array(cap);
    const ownExt = new Uint8Array(cap);
    let leftPath = false;
    const insert = (bytes: Uint8Array, needle: boolean): number => {
      let s = 0;
      for (let k = 0; k < bytes.length; k++) {
        if (needle) onNeedle[s] = 1;
        if (leftPath) ownExt[s]! |= 4;
        const b = fold(bytes[k]!);
        used[b] = 1;
        let e = firstEdge[s]!;
        while (e >= 0 && edgeByte[e] !== b) e = edgeNext[e]!;
        if (e >= 0) {
          s = edgeTo[e]!;
          continue;
        }
        const t = stateCount++;
        e = t - 1; // one edge per state: edge t-1 leads to state t
        edgeByte[e] = b;
        edgeTo[e] = t;
        if (lastEdge[s]! >= 0) edgeNext[lastEdge[s]!] = e;
        else firstEdge[s] = e;
        lastEdge[s] = e;
        s = t;
      }
      if (needle) onNeedle[s] = 1;
      return s;
    };
    for (let ni = 0; ni < needleList.length; ni++) {
      const n = needleList[ni]!;
      if (n.length === 0) continue;
      const fl = flags?.[ni] ?? 0;
      leftPath = (fl & 1) !== 0;
      const s = insert(n, true);
      leftPath = false;
      ownExt[s]! |= fl & 3;
      own[s] = n.length;
      if (n.length > maxNeedle) maxNeedle = n.length;
    }
    for (const t of triggerNeedles) {
      if (t.bytes.length === 0) continue;
      const s = insert(t.bytes, false);
      let list = ownTriggers.get(s);
      if (!list) ownTriggers.set(s, (list = []));
      if (!list.some(([r]) => r === t.rule)) list.push([t.rule, t.bytes.length]);
    }
    this.maxNeedle = maxNeedle;
    onNeedle[0] = 0;
    this.needlePrefix = onNeedle.subarray(0, stateCount);

    // 2. Byte classes.
    const classes = new Uint16Array(256);
    let classCount = 1;
    for (let b = 0; b < 256; b++) if (used[b]) classes[b] = classCount++;
    if (foldCase) for (let b = 0x41; b <= 0x5a; b++) classes[b] = classes[b + 0x20]!;
    this.classes = classes;
    this.classCount = classCount;

    // 3. BFS: failure links, dense rows (a row starts as a copy of its failure state's row), outputs.
    //    Rows are encoded as they are written (row offsets, negated when the target has an output): a state's
    //    outputs are known when it is enqueued (its own, plus its failure state's, which is shallower), so no
    //    second pass over the whole table is needed (that pass, with a Map lookup per entry, was most of the
    //    ~30 ms build with 100 secrets and the pack's triggers).
    const n = stateCount;
    this.stateCount = n;
    const C = classCount;
    const delta = new Int32Array(n * C);
    const fail = new Int32Array(n);
    const maskLen = new Int32Array(n);
    const depth = new Int32Array(n);
    const trig = new Map<number, [number, number][]>();
    const order = new Int32Array(n);
    let tail = 0;
    order[tail++] = 0;
    maskLen[0] = own[0]!;
    /** Sets t's outputs from its own and its failure state's; returns its encoded row offset. */
    const ext = new Uint8Array(n);
    const enqueue = (t: number, f: number, d: number): number => {
      fail[t] = f;
      depth[t] = d;
      const m = own[t]! > maskLen[f]! ? own[t]! : maskLen[f]!;
      maskLen[t] = m;
      ext[t] = (own[t]! > maskLen[f]! ? ownExt[t]! & 1 : ext[f]! & 1) | ((ownExt[t]! | ext[f]!) & 2) | (ownExt[t]! & 4);
      const mine = ownTriggers.get(t);
      const inherited = trig.get(f);
      if (mine || inherited) trig.set(t, [...(mine ?? []), ...(inherited ?? [])]);
      order[tail++] = t;
      return m > 0 || mine !== undefined || inherited !== undefined ? ~(t * C) : t * C;
    };
    for (let e = firstEdge[0]!; e >= 0; e = edgeNext[e]!) delta[classes[edgeByte[e]!]!] = enqueue(edgeTo[e]!, 0, 1);
    for (let qi = 1; qi < tail; qi++) {
      const u = order[qi]!;
      const f = fail[u]!;
      const row = u * C;
      const frow = f * C;
      delta.copyWithin(row, frow, frow + C);
      for (let e = firstEdge[u]!; e >= 0; e = edgeNext[e]!) {
        const c = classes[edgeByte[e]!]!;
        const x = delta[frow + c]!; // the failure state's transition (already final for shallower f)
        delta[row + c] = enqueue(edgeTo[e]!, (x < 0 ? ~x : x) / C, depth[u]! + 1);
      }
    }
    this.delta = delta;
    this.ext = ext;
    this.hasLeftExt = flags !== undefined && flags.some((x) => (x & 1) !== 0);
    this.fail = fail;
    this.order = order;
    this.maskLen = maskLen;
    this.depth = depth;
    this.triggers = trig;
    const has = new Uint8Array(n);
    for (const st of trig.keys()) has[st] = 1;
    this.hasTriggers = has;
  }

  /** The state (number) reached from the root over `bytes` (for needles: their own trie path). */
  walk(bytes: Uint8Array): number {
    let row = 0;
    for (const b of bytes) {
      const x = this.delta[row + this.classes[b]!]!;
      row = x < 0 ? ~x : x;
    }
    return row / this.classCount;
  }

  /**
   * For each of this automaton's states, the row in `sub` of the longest suffix of the state's string that is
   * a prefix of one of `subNeedles` (which must all be needles of both automata; 0: none).
   */
  suffixMap(sub: ByteAutomaton, subNeedles: Iterable<Uint8Array>): Int32Array {
    const direct = new Int32Array(this.stateCount).fill(-1);
    for (const n of subNeedles) {
      let a = 0;
      let b = 0;
      for (const byte of n) {
        const x = this.delta[a + this.classes[byte]!]!;
        a = x < 0 ? ~x : x;
        const y = sub.delta[b + sub.classes[byte]!]!;
        b = y < 0 ? ~y : y;
        direct[a / this.classCount] = b;
      }
    }
    const map = new Int32Array(this.stateCount);
    for (let k = 1; k < this.order.length; k++) {
      const st = this.order[k]!;
      const d = direct[st]!;
      map[st] = d >= 0 ? d : map[this.fail[st]!]!;
    }
    return map;
  }

  /** All mask matches in `buf` as [start, end) pairs (one per end position: the longest). For tests and tools. */
  findAll(buf: Uint8Array): [number, number][] {
    const out: [number, number][] = [];
    const { delta, classes, classCount: C, maskLen } = this;
    let row = 0;
    for (let i = 0; i < buf.length; i++) {
      const x = delta[row + classes[buf[i]!]!]!;
      if (x < 0) {
        row = ~x;
        const len = maskLen[row / C]!;
        if (len > 0) out.push([i + 1 - len, i + 1]);
      } else row = x;
    }
    return out;
  }
}
