/**
 * Incremental line/column bookkeeping for streamed content: the state is (byte offset, 0-based line index,
 * code points since the line start), moved forward only. The scanner advances it through each window's findings
 * in order and then to the end of the window's own range, so it never needs bytes that were already discarded —
 * a 100 MB single line costs one code-point count per window.
 */
export class LineTracker {
  /** Absolute byte offset described by the state. */
  pos = 0;
  /** 0-based line index (within the fragment) at `pos`. */
  line = 0;
  /** Code points between the start of the line and `pos`. */
  col = 0;

  /** Moves to absolute offset `to` (≥ pos); `buf` holds the bytes from absolute offset `bufAbs`. */
  advance(buf: Buffer, bufAbs: number, to: number): void {
    if (to <= this.pos) return;
    const a = this.pos - bufAbs;
    const b = to - bufAbs;
    const view = buf.subarray(a, b);
    let lastNl = -1;
    let nl = view.indexOf(10);
    let count = 0;
    while (nl >= 0) {
      count++;
      lastNl = nl;
      nl = view.indexOf(10, nl + 1);
    }
    let from = a;
    if (count > 0) {
      this.line += count;
      this.col = 0;
      from = a + lastNl + 1;
    }
    let cps = 0;
    for (let i = from; i < b; i++) if ((buf[i]! & 0xc0) !== 0x80) cps++;
    // a UTF-8 BOM opening the content is a signature, not a character: it takes no column (editors show none)
    if (this.pos === 0 && count === 0 && a === 0 && b >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) cps--;
    this.col += cps;
    this.pos = to;
  }

  clone(): LineTracker {
    const t = new LineTracker();
    t.pos = this.pos;
    t.line = this.line;
    t.col = this.col;
    return t;
  }
}
