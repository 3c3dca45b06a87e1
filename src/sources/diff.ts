/**
 * A streaming parser for unified diffs as `git diff`, `git log -p` (plain, combined `--cc`/`-c`,
 * `--diff-merges=remerge`) and `git format-patch` print them, and for plain `diff -u` output.
 * It yields the ADDED lines only: one Fragment per (commit, file), the added lines joined by `\n`,
 * `lineNumbers[i]` = the new-file line number of the fragment's i-th line.
 *
 * Invariants
 * 1. Output is identical for every chunking of the same input (the line reader owns all splitting).
 * 2. Bytes stay bytes: content is never decoded, and no JavaScript RegExp ever touches it; paths are
 *    unquoted as bytes (C-style escapes, `core.quotePath` octal) and decoded as UTF-8 once.
 * 3. Bounded memory: a fragment holds at most `maxFragmentBytes` of content (a larger file is split into
 *    several fragments, each with its own `lineNumbers`); a line longer than that is cut into pieces that
 *    carry the same line number and overlap by the scanner's OVERLAP on each side (`ownFrom`/`ownTo` say
 *    which bytes a piece owns, `columnOffset` where it starts in its line), so a secret across a cut is found
 *    once, at its real column. Memory is about one input chunk plus one fragment.
 * 4. A hunk is read by its counts (`@@ -a,b +c,d @@`, or one old range per parent in a combined diff), so a
 *    content line can never be mistaken for a header; a malformed hunk ends at the first line that cannot
 *    belong to it and that line is read again as a header.
 * 5. In a combined diff (merge commit) only lines absent from EVERY parent (all columns `+`) are added:
 *    lines merely arriving from a merged branch are not reported again at the merge.
 * 6. A file with no added lines yields a Fragment with empty content when its path is new to the commit
 *    (new file, binary file, rename/copy target) so that path-only rules (`*.p12`) still fire; deletions and
 *    mode changes yield nothing.
 * Fragments never share memory with the input's chunks (added lines are copied into each fragment's own buffer).
 */
import { OVERLAP } from '../core/scanner.js';
import type { CommitInfo, Fragment } from '../core/types.js';

/**
 * The path of the fragment holding a commit's metadata (subject, then `author <email>`): a secret written in a commit
 * message is in the history for good, so it is a finding of that commit like any other.
 */
export const COMMIT_METADATA_PATH = '(commit message)';

/** The `git log --format` that {@link parseUnifiedDiff} reads most robustly: NUL + unit separators. */
export const LOG_FORMAT = '%x00leakward%x1f%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%s';
const HEADER_MAGIC = Buffer.from('\0leakward\x1f', 'latin1');

export interface DiffParseOptions {
  /** Cap on one fragment's content; default 1 MiB. */
  readonly maxFragmentBytes?: number;
  /** Commit to attach to fragments met before any commit header (e.g. a staged diff). */
  readonly commit?: CommitInfo;
  /** Called once per commit header (history progress, counting). */
  readonly onCommit?: (commit: CommitInfo, parents: readonly string[]) => void;
  /** Called with every input chunk's byte length once it is consumed (progress). */
  readonly onBytes?: (n: number) => void;
  /**
   * Also yield each commit's metadata (subject, `author <email>`) as a fragment at {@link COMMIT_METADATA_PATH}, so
   * the rules run over it: `history` and `diff` do.
   */
  readonly commitMetadata?: boolean;
  /** Filled in while parsing: what the input held (a caller tells "empty" from "not a diff" with it). */
  readonly stats?: DiffStats;
}

/** What a parsed input held. */
export interface DiffStats {
  /** input bytes */
  bytes: number;
  /** file sections (`diff --git`, `diff --cc`, `---`/`+++` pairs) */
  files: number;
  /** commit headers */
  commits: number;
}

const NL = Buffer.from('\n');
const SP = 0x20, PLUS = 0x2b, MINUS = 0x2d, BSL = 0x5c, AT = 0x40, QUOTE = 0x22, TAB = 0x09;

/** A byte loop, not `Buffer.compare`: its argument validation cost more than the compare (a tenth of the parse). */
function startsWith(line: Buffer, prefix: Buffer): boolean {
  const n = prefix.length;
  if (line.length < n) return false;
  for (let i = 0; i < n; i++) if (line[i] !== prefix[i]) return false;
  return true;
}
const B = (s: string): Buffer => Buffer.from(s, 'latin1');
const P = {
  diffGit: B('diff --git '), diffCc: B('diff --cc '), diffCombined: B('diff --combined '),
  minus3: B('--- '), plus3: B('+++ '), newFile: B('new file mode'), deletedFile: B('deleted file mode'),
  renameTo: B('rename to '), copyTo: B('copy to '), renameFrom: B('rename from '), copyFrom: B('copy from '),
  binary: B('Binary files '), gitBinary: B('GIT binary patch'), commit: B('commit '), from: B('From '),
  author: B('Author: '), date: B('Date: '), authorDate: B('AuthorDate: '), mboxFrom: B('From: '),
  subject: B('Subject: '), indent: B('    '), devNull: B('/dev/null'),
};

/**
 * Unquotes a git C-style quoted name (`"a/sp ace \303\251"`) starting at `line[start]` (the opening quote).
 * Returns the bytes and the index after the closing quote, or undefined when malformed.
 */
export function unquoteCStyle(line: Buffer, start: number): { name: Buffer; end: number } | undefined {
  const out = Buffer.allocUnsafe(line.length);
  let o = 0;
  for (let i = start + 1; i < line.length; i++) {
    const c = line[i]!;
    if (c === QUOTE) return { name: out.subarray(0, o), end: i + 1 };
    if (c !== BSL) { out[o++] = c; continue; }
    const e = line[++i];
    if (e === undefined) return undefined;
    switch (e) {
      case 0x61: out[o++] = 0x07; break; // \a
      case 0x62: out[o++] = 0x08; break; // \b
      case 0x74: out[o++] = 0x09; break; // \t
      case 0x6e: out[o++] = 0x0a; break; // \n
      case 0x76: out[o++] = 0x0b; break; // \v
      case 0x66: out[o++] = 0x0c; break; // \f
      case 0x72: out[o++] = 0x0d; break; // \r
      default:
        if (e >= 0x30 && e <= 0x33) { // \ooo
          const d1 = line[i + 1], d2 = line[i + 2];
          if (d1 === undefined || d2 === undefined || d1 < 0x30 || d1 > 0x37 || d2 < 0x30 || d2 > 0x37) return undefined;
          out[o++] = ((e - 0x30) << 6) | ((d1 - 0x30) << 3) | (d2 - 0x30);
          i += 2;
        } else {
          out[o++] = e; // \" \\ and anything else: the character itself
        }
    }
  }
  return undefined;
}

/** A path field of a header line from `start`: quoted, or raw up to the first TAB (GNU diff's timestamp). */
function pathField(line: Buffer, start: number): Buffer | undefined {
  if (start >= line.length) return undefined;
  if (line[start] === QUOTE) return unquoteCStyle(line, start)?.name;
  const tab = line.indexOf(TAB, start);
  return line.subarray(start, tab < 0 ? line.length : tab);
}

/** Drops the first path component (`a/`, `b/`, mnemonic `i/`, `w/`…), as `patch -p1` does. */
function stripPrefix(name: Buffer): Buffer {
  const slash = name.indexOf(0x2f);
  return slash < 0 ? name : name.subarray(slash + 1);
}

/**
 * The file name of a `diff --git` line (after the `diff --git ` prefix), as git's own `git_header_name`
 * finds it: both names quoted, or two names equal after their prefix. Undefined for an unquoted rename
 * with spaces (the `rename to` / `+++` lines give the name then).
 */
function gitHeaderName(rest: Buffer): Buffer | undefined {
  if (rest[0] === QUOTE) {
    const first = unquoteCStyle(rest, 0);
    if (!first || rest[first.end] !== SP) return undefined;
    const second = rest[first.end + 1] === QUOTE ? unquoteCStyle(rest, first.end + 1)?.name : rest.subarray(first.end + 1);
    return second ? stripPrefix(second) : undefined;
  }
  // Unquoted first name; the second may be quoted.
  const q = rest.indexOf(B(' "'));
  if (q >= 0) {
    const second = unquoteCStyle(rest, q + 1);
    if (second) return stripPrefix(second.name);
  }
  // "A/X B/X": equal halves after their first component; else "X X" (--no-prefix).
  if ((rest.length - 1) % 2 === 0) {
    const half = (rest.length - 1) / 2;
    const left = rest.subarray(0, half), right = rest.subarray(half + 1);
    if (rest[half] === SP) {
      const l = stripPrefix(left), r = stripPrefix(right);
      if (l.equals(r) && l.length < left.length) return r;
      if (left.equals(right)) return right;
    }
  }
  return undefined;
}

const decodePath = (name: Buffer): string => name.toString('utf8');

function parseCommitHeader(line: Buffer): { commit: CommitInfo; parents: string[] } {
  const fields: string[] = [];
  let pos = HEADER_MAGIC.length;
  for (let k = 0; k < 5; k++) {
    const sep = line.indexOf(0x1f, pos);
    if (sep < 0) break;
    fields.push(line.toString('utf8', pos, sep));
    pos = sep + 1;
  }
  const message = line.toString('utf8', pos);
  const [sha = '', parents = '', author = '', email = '', date = ''] = fields;
  return { commit: { sha, author, email, date, message }, parents: parents ? parents.split(' ') : [] };
}

const isHex = (line: Buffer, start: number, end: number): boolean => {
  if (end > line.length || end - start < 7) return false;
  for (let i = start; i < end; i++) {
    const c = line[i]!;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
};

/** Parses "Name <email>" (legacy `git log` and mbox headers). */
function splitIdent(s: string): { author: string; email: string } {
  const lt = s.lastIndexOf('<');
  const gt = s.lastIndexOf('>');
  if (lt < 0 || gt < lt) return { author: s.trim(), email: '' };
  return { author: s.slice(0, lt).trim(), email: s.slice(lt + 1, gt) };
}

const enum State { Top, LegacyHeader, LegacyMessage, MboxHeader, FileHeader, Hunk, AfterHunk }

/** The per-line state machine; {@link parseUnifiedDiff} feeds it lines and drains `out`. */
class DiffParser {
  readonly out: Fragment[] = [];
  private state = State.Top;
  private commit: CommitInfo | undefined;
  private pendingCommit: { sha: string; author: string; email: string; date: string; message: string; parents: string[] } | undefined;

  // Current file.
  private path: string | undefined;
  private gitName: Buffer | undefined;
  private isNew = false;
  private isDeleted = false;
  private isBinary = false;
  private isRenameOrCopy = false;
  private emitted = false; // a fragment (or part of one) was already produced for this file

  // Current hunk.
  private parents = 1;
  private newLeft = 0;
  private readonly oldLeft: number[] = [];
  private newLine = 0;
  private lastWasAdded = false; // for continuation pieces of a long line

  // Fragment builder: added lines are copied into one scratch buffer (grown up to the cap, reused), and each
  // fragment gets an exact copy at flush: no Buffer object per added line.
  private scratch: Buffer = Buffer.allocUnsafe(4096);
  private lines: number[] = [];
  private bytes = 0;
  // A piece of a long line: the fragment's first `ownFrom` bytes are context (the end of the previous piece), its
  // first line starts `colOffset` code points into the real line. `lineStart`: where the last line starts in scratch.
  private ownFrom = 0;
  private colOffset = 0;
  private lineStart = 0;

  constructor(private readonly cap: number, defaultCommit: CommitInfo | undefined,
    private readonly onCommit: DiffParseOptions['onCommit'], private readonly withMetadata = false) {
    this.commit = defaultCommit;
  }

  /**
   * One line, `buf[start, end)` without its `\n` (and without a trailing `\r`); `continuation`: a further piece
   * of a long line. Offsets rather than a subarray: hunk lines are most of a diff, and only added lines need a
   * Buffer of their own (one allocation per line was a tenth of the parse time).
   */
  line(buf: Buffer, start: number, end: number, continuation: boolean): void {
    if (continuation) {
      if (this.lastWasAdded) this.appendPiece(buf, start, end);
      return;
    }
    this.lastWasAdded = false;
    if (this.state === State.Hunk && this.hunkLine(buf, start, end)) return;
    // Hunk headers (one per change with -U0) are read in place too.
    if (buf[start] === AT && end - start > 1 && this.hunkHeader(buf, start, end)) return;
    this.header(buf.subarray(start, end));
  }

  end(): void {
    this.finishCommitHeader();
    this.endFile();
  }

  // ---- hunks ----

  /** Returns false when the line cannot belong to the hunk (the hunk is over; read it as a header). */
  private hunkLine(buf: Buffer, start: number, end: number): boolean {
    const n = this.parents;
    const len = end - start;
    const c0 = len > 0 ? buf[start] : undefined;
    if (c0 === BSL) return true; // "\ No newline at end of file"
    if (n === 1) {
      if (c0 === PLUS) {
        this.addLine(buf, start + 1, end);
        this.newLine++; this.newLeft--;
      } else if (c0 === MINUS) {
        this.oldLeft[0]!--;
      } else if (c0 === SP || c0 === undefined) { // an empty line: a context line whose space was stripped
        this.newLine++; this.newLeft--; this.oldLeft[0]!--;
      } else {
        this.state = State.AfterHunk;
        return false;
      }
      if (this.newLeft <= 0 && this.oldLeft[0]! <= 0) this.state = State.AfterHunk;
      return true;
    }
    let minus = false, allPlus = true;
    const width = Math.min(n, len);
    for (let i = 0; i < width; i++) {
      const c = buf[start + i];
      if (c === MINUS) minus = true;
      else if (c !== PLUS) { if (c !== SP) { this.state = State.AfterHunk; return false; } allPlus = false; }
    }
    if (len < n) allPlus = false;
    for (let i = 0; i < n; i++) {
      const c = i < len ? buf[start + i] : SP;
      if (minus ? c === MINUS : c === SP) this.oldLeft[i]!--;
    }
    if (!minus) {
      if (allPlus) this.addLine(buf, start + n, end);
      this.newLine++; this.newLeft--;
    }
    if (this.newLeft <= 0 && this.oldLeft.every((x) => x <= 0)) this.state = State.AfterHunk;
    return true;
  }

  /** `@@ -a,b +c,d @@` or `@@@ -a,b -c,d +e,f @@@` in `buf[s, e)`: sets counts; false when malformed. */
  private hunkHeader(buf: Buffer, s: number, e: number): boolean {
    let i = s;
    while (i < e && buf[i] === AT) i++;
    const ats = i - s;
    if (ats < 2) return false;
    const parents = ats - 1;
    const olds: number[] = [];
    let newStart = -1, newCount = 0;
    while (i < e) {
      while (i < e && buf[i] === SP) i++;
      const sign = i < e ? buf[i] : undefined;
      if (sign === AT) break;
      if (sign !== MINUS && sign !== PLUS) return false;
      i++;
      let start = 0, count = 1, digits = 0;
      while (i < e && buf[i]! >= 0x30 && buf[i]! <= 0x39) { start = start * 10 + buf[i]! - 0x30; i++; digits++; }
      if (digits === 0) return false;
      if (i < e && buf[i] === 0x2c) {
        i++; count = 0; digits = 0;
        while (i < e && buf[i]! >= 0x30 && buf[i]! <= 0x39) { count = count * 10 + buf[i]! - 0x30; i++; digits++; }
        if (digits === 0) return false;
      }
      if (sign === MINUS) olds.push(count);
      else { newStart = start; newCount = count; }
    }
    if (newStart < 0 || olds.length !== parents) return false;
    if (this.path === undefined) return false; // a hunk without a file header: nothing to attribute it to
    this.parents = parents;
    this.oldLeft.length = 0;
    this.oldLeft.push(...olds);
    this.newLeft = newCount;
    // With -U0 a pure deletion says "+c,0": the new line numbers are never used then.
    this.newLine = newStart;
    this.state = newCount === 0 && olds.every((x) => x === 0) ? State.AfterHunk : State.Hunk;
    return true;
  }

  // ---- headers ----

  private header(line: Buffer): void {
    const c0 = line[0];
    if (c0 === 0 && startsWith(line, HEADER_MAGIC)) {
      this.endFile();
      this.finishCommitHeader();
      const { commit, parents } = parseCommitHeader(line);
      this.commit = commit;
      this.onCommit?.(commit, parents);
      this.metadata(commit);
      this.state = State.Top;
      return;
    }
    if (c0 === 0x64 /* d */) {
      if (startsWith(line, P.diffGit)) {
        this.startFile(true);
        const name = gitHeaderName(line.subarray(P.diffGit.length));
        this.gitName = name;
        if (name) this.path = decodePath(name);
        return;
      }
      if (startsWith(line, P.diffCc) || startsWith(line, P.diffCombined)) {
        this.startFile(true);
        const at = startsWith(line, P.diffCc) ? P.diffCc.length : P.diffCombined.length;
        const name = pathField(line, at);
        this.gitName = name;
        if (name) this.path = decodePath(name);
        return;
      }
    }
    switch (this.state) {
      case State.LegacyHeader:
        if (line.length === 0) { this.state = State.LegacyMessage; return; }
        this.legacyHeaderLine(line);
        return;
      case State.LegacyMessage:
        if (line.length === 0 || startsWith(line, P.indent)) {
          if (line.length > 0 && this.pendingCommit && this.pendingCommit.message === '') {
            this.pendingCommit.message = line.toString('utf8', 4);
          }
          return;
        }
        this.finishCommitHeader();
        this.state = State.Top;
        break;
      case State.MboxHeader:
        if (startsWith(line, P.mboxFrom)) { Object.assign(this.pendingCommit!, splitIdent(line.toString('utf8', P.mboxFrom.length))); return; }
        if (startsWith(line, P.date)) { this.pendingCommit!.date = line.toString('utf8', P.date.length).trim(); return; }
        if (startsWith(line, P.subject)) { this.pendingCommit!.message = line.toString('utf8', P.subject.length); return; }
        if (line.length === 0) { this.finishCommitHeader(); this.state = State.Top; return; }
        return;
      default:
        break;
    }
    // A new commit in the default `git log` format or `git format-patch` mbox format (outside any hunk).
    if (c0 === 0x63 /* c */ && startsWith(line, P.commit) && isHex(line, 7, Math.min(line.length, 7 + 40)) &&
      (line.length === 47 || line.length === 71 || line[47] === SP || line[71] === SP)) {
      this.endFile();
      this.finishCommitHeader();
      const end = line.indexOf(SP, 7);
      this.pendingCommit = { sha: line.toString('latin1', 7, end < 0 ? line.length : end), author: '', email: '', date: '', message: '', parents: [] };
      this.state = State.LegacyHeader;
      return;
    }
    if (c0 === 0x46 /* F */ && startsWith(line, P.from) && isHex(line, 5, 45) && line[45] === SP) {
      this.endFile();
      this.finishCommitHeader();
      this.pendingCommit = { sha: line.toString('latin1', 5, 45), author: '', email: '', date: '', message: '', parents: [] };
      this.state = State.MboxHeader;
      return;
    }
    this.fileHeaderLine(line);
  }

  private legacyHeaderLine(line: Buffer): void {
    const pc = this.pendingCommit!;
    if (startsWith(line, P.author)) Object.assign(pc, splitIdent(line.toString('utf8', P.author.length)));
    else if (startsWith(line, P.authorDate)) pc.date = line.toString('utf8', P.authorDate.length).trim();
    else if (startsWith(line, P.date)) pc.date = line.toString('utf8', P.date.length).trim();
    else if (startsWith(line, B('Merge: '))) pc.parents = line.toString('latin1', 7).trim().split(' ');
  }

  private finishCommitHeader(): void {
    const pc = this.pendingCommit;
    if (!pc) return;
    this.pendingCommit = undefined;
    const { parents, ...commit } = pc;
    this.commit = commit;
    this.onCommit?.(commit, parents);
    this.metadata(commit);
  }

  /** The commit's metadata as a fragment of its own: line 1 the subject, line 2 `author <email>`. */
  private metadata(c: CommitInfo): void {
    if (!this.withMetadata || (c.message === '' && c.author === '' && c.email === '')) return;
    const content = Buffer.from(`${c.message}\n${c.author} <${c.email}>`, 'utf8');
    this.out.push({ path: COMMIT_METADATA_PATH, content, lineNumbers: [1, 2], startLine: 1, commit: c });
  }

  /** Extended header lines of the current file, and `---`/`+++` pairs of non-git diffs. */
  private fileHeaderLine(line: Buffer): void {
    const c0 = line[0];
    if (c0 === MINUS && startsWith(line, P.minus3)) {
      // A `---` outside a git header starts a plain `diff -u` file.
      if (this.state !== State.FileHeader) this.startFile(false);
      return;
    }
    if (c0 === PLUS && startsWith(line, P.plus3)) {
      if (this.state !== State.FileHeader) this.startFile(false);
      const name = pathField(line, P.plus3.length);
      if (!name) return;
      if (name.equals(P.devNull)) { this.isDeleted = true; return; }
      if (this.gitName) {
        // Trust the `diff --git` name when it agrees (the `+++` name may carry a mnemonic prefix).
        const stripped = stripPrefix(name);
        if (!stripped.equals(this.gitName)) this.path = decodePath(stripped);
      } else {
        this.path = decodePath(this.sawGitHeader ? stripPrefix(name) : stripGnuPrefix(name));
      }
      return;
    }
    if (this.state !== State.FileHeader) return; // anything else outside a file: commit message text, diffstat…
    if (startsWith(line, P.newFile)) this.isNew = true;
    else if (startsWith(line, P.deletedFile)) this.isDeleted = true;
    else if (startsWith(line, P.renameTo) || startsWith(line, P.copyTo)) {
      const at = startsWith(line, P.renameTo) ? P.renameTo.length : P.copyTo.length;
      const name = pathField(line, at);
      if (name) { this.path = decodePath(name); this.gitName = name; }
      this.isRenameOrCopy = true;
    } else if (startsWith(line, P.binary) || startsWith(line, P.gitBinary)) {
      this.isBinary = true;
      if (this.path === undefined && startsWith(line, P.binary)) {
        // "Binary files a/x and b/y differ" without a usable `diff --git` name: take the text after " and ".
        const s = line.subarray(P.binary.length, line.length - ' differ'.length);
        const and = s.lastIndexOf(B(' and '));
        if (and >= 0) {
          const right = s.subarray(and + 5);
          const name = right[0] === QUOTE ? unquoteCStyle(right, 0)?.name : right;
          if (name && !name.equals(P.devNull)) this.path = decodePath(stripPrefix(name));
        }
      }
      if (line.subarray(line.length - ' and /dev/null differ'.length).equals(B(' and /dev/null differ'))) this.isDeleted = true;
    }
  }

  private sawGitHeader = false;

  /** file sections met */
  files = 0;

  private startFile(git: boolean): void {
    this.files++;
    this.finishCommitHeader();
    this.endFile();
    this.state = State.FileHeader;
    this.path = undefined;
    this.gitName = undefined;
    this.isNew = this.isDeleted = this.isBinary = this.isRenameOrCopy = this.emitted = false;
    this.parents = 1;
    this.sawGitHeader = git;
  }

  private endFile(): void {
    if (this.path !== undefined) {
      if (this.lines.length > 0) this.flush();
      else if (!this.emitted && !this.isDeleted && (this.isNew || this.isBinary || this.isRenameOrCopy)) {
        this.out.push(this.fragment(Buffer.alloc(0), []));
      }
    }
    this.path = undefined;
    this.gitName = undefined;
    if (this.state !== State.LegacyHeader && this.state !== State.LegacyMessage && this.state !== State.MboxHeader) {
      this.state = State.Top;
    }
  }

  // ---- fragments ----

  private addLine(buf: Buffer, start: number, end: number): void {
    if (this.lines.length > 0 && this.bytes + 1 + (end - start) > this.cap) this.flush();
    if (this.lines.length > 0) this.put(NL, 0, 1);
    this.lineStart = this.bytes;
    this.lines.push(this.newLine);
    this.lastWasAdded = true;
    this.appendPiece(buf, start, end);
  }

  /**
   * Appends `buf[start, end)` to the fragment's last line. Past the cap the line is cut: the fragment is flushed
   * owning up to the cut and seeing OVERLAP bytes beyond it, and the next piece starts OVERLAP bytes before the cut
   * (context only) with the same line number.
   */
  private appendPiece(buf: Buffer, start: number, end: number): void {
    // a piece owns `cap` bytes after its context and sees OVERLAP bytes beyond them
    while (this.bytes + (end - start) > this.ownFrom + this.cap + OVERLAP) {
      const room = this.ownFrom + this.cap + OVERLAP - this.bytes;
      if (room > 0) { this.put(buf, start, start + room); start += room; }
      this.cutLine();
    }
    if (end > start) this.put(buf, start, end);
  }

  /** The scratch is full and its last line goes on: emit a piece, keep up to OVERLAP bytes of context for the next. */
  private cutLine(): void {
    const cut = this.ownFrom + this.cap;
    const line = this.lines[this.lines.length - 1]!;
    const content = Buffer.allocUnsafe(this.bytes);
    this.scratch.copy(content, 0, 0, this.bytes);
    this.out.push(this.fragment(content, this.lines, cut));
    this.emitted = true;
    // the next piece: context from the line's start or OVERLAP bytes before the cut, whichever is later
    const from = Math.max(this.lineStart, cut - OVERLAP);
    let cps = 0;
    for (let i = this.lineStart; i < from; i++) if ((this.scratch[i]! & 0xc0) !== 0x80) cps++;
    this.colOffset = (this.lineStart === 0 ? this.colOffset : 0) + cps;
    this.scratch.copy(this.scratch, 0, from, this.bytes);
    this.bytes -= from;
    this.ownFrom = cut - from;
    this.lineStart = 0;
    this.lines = [line];
  }

  private put(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    let dst = this.scratch;
    if (this.bytes + n > dst.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(2 * dst.length, this.bytes + n), Math.max(this.cap, this.bytes + n)));
      dst.copy(grown, 0, 0, this.bytes);
      dst = this.scratch = grown;
    }
    let o = this.bytes;
    if (n < 64) for (let i = start; i < end; i++) dst[o++] = buf[i]!;
    else buf.copy(dst, o, start, end);
    this.bytes += n;
  }

  private flush(): void {
    const content = Buffer.allocUnsafe(this.bytes);
    this.scratch.copy(content, 0, 0, this.bytes);
    this.out.push(this.fragment(content, this.lines));
    this.lines = [];
    this.bytes = 0;
    this.ownFrom = 0;
    this.colOffset = 0;
    this.lineStart = 0;
    this.emitted = true;
  }

  private fragment(content: Buffer, lineNumbers: number[], ownTo?: number): Fragment {
    const f: {
      path: string; content: Buffer; lineNumbers?: number[]; startLine?: number; commit?: CommitInfo;
      ownFrom?: number; ownTo?: number; columnOffset?: number;
    } = { path: this.path!, content };
    if (lineNumbers.length > 0) { f.lineNumbers = lineNumbers; f.startLine = lineNumbers[0]!; }
    if (this.commit) f.commit = this.commit;
    if (this.ownFrom > 0) f.ownFrom = this.ownFrom;
    if (ownTo !== undefined) f.ownTo = ownTo;
    if (this.colOffset > 0) f.columnOffset = this.colOffset;
    return f;
  }
}

/** Plain `diff -u old new` paths: keep them as written, except git-style `b/` prefixes. */
function stripGnuPrefix(name: Buffer): Buffer {
  return name.length > 2 && name[0] === 0x62 && name[1] === 0x2f ? name.subarray(2) : name;
}

/**
 * Parses a unified diff stream into fragments of added lines (see the invariants at the top of this file).
 * Accepts Buffers (or strings, encoded as UTF-8).
 */
export async function* parseUnifiedDiff(input: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>,
  options: DiffParseOptions = {}): AsyncGenerator<Fragment> {
  const cap = Math.max(16, options.maxFragmentBytes ?? 1024 * 1024);
  const stats = options.stats;
  const onCommit = stats
    ? (c: CommitInfo, p: readonly string[]): void => { stats.commits++; options.onCommit?.(c, p); }
    : options.onCommit;
  const parser = new DiffParser(cap, options.commit, onCommit, options.commitMetadata === true);
  const onBytes = stats ? (n: number): void => { stats.bytes += n; stats.files = parser.files; options.onBytes?.(n); } : options.onBytes;
  let carry: Buffer[] = [];
  let carryLen = 0;
  let continuing = false; // the carried bytes continue a line already partly delivered
  const deliver = (buf: Buffer, start: number, end: number, cont: boolean): void => {
    // Strip one trailing CR (CRLF diffs and CRLF content alike).
    parser.line(buf, start, end > start && buf[end - 1] === 0x0d ? end - 1 : end, cont);
  };
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, pos);
      if (nl < 0) break;
      if (carryLen > 0) {
        carry.push(chunk.subarray(pos, nl));
        const joined = Buffer.concat(carry);
        deliver(joined, 0, joined.length, continuing);
        carry = []; carryLen = 0;
      } else {
        deliver(chunk, pos, nl, continuing);
      }
      continuing = false;
      pos = nl + 1;
    }
    if (pos < chunk.length) {
      carry.push(chunk.subarray(pos));
      carryLen += chunk.length - pos;
      if (carryLen >= cap) {
        // A very long line: hand over what we have as a piece and keep going.
        const piece = Buffer.concat(carry);
        // Keep a trailing CR for the next round so the "strip one CR" rule sees the real line end.
        const keep = piece[piece.length - 1] === 0x0d ? 1 : 0;
        parser.line(piece, 0, piece.length - keep, continuing);
        continuing = true;
        carry = keep ? [piece.subarray(piece.length - 1)] : [];
        carryLen = keep;
      }
    }
    onBytes?.(chunk.length);
    if (parser.out.length > 0) yield* parser.out.splice(0);
  }
  if (carryLen > 0) { const joined = Buffer.concat(carry); deliver(joined, 0, joined.length, continuing); }
  parser.end();
  if (stats) stats.files = parser.files;
  if (parser.out.length > 0) yield* parser.out.splice(0);
}
