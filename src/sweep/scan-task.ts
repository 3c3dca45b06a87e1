/**
 * Executing one task: `git log -p` over exactly the task's commits (`--no-walk`, the list on stdin), through the
 * same diff parser and scanner as `leakward history`, into a plain `ScanResult` (fingerprints, redacted
 * previews, locations: nothing secret). The function does not touch the datastore: its result can be recorded
 * here or sent elsewhere (a queue) and recorded there.
 *
 * Invariants
 * 1. Same findings as `leakward history` for these commits: non-merges with `-U0`, merges as combined diffs
 *    (`--cc -U1`: only what the merge itself adds), rename detection on.
 * 2. A result is complete or there is none: a git failure or an abort throws, and nothing of the batch is kept.
 */
import { parseUnifiedDiff } from '../sources/diff.js';
import { gitStream, type GitStream } from '../sources/git.js';
import { historyLogArgs, type LogPart } from '../sources/history.js';
import { createScanner, type Scanner } from '../core/scanner.js';
import { pathFingerprint } from '../core/baseline.js';
import { DEFAULT_FINGERPRINT_SALT } from '../core/fingerprint.js';
import type { Config, Finding } from '../core/types.js';
// The report layer's redaction, so a preview in the datastore reads exactly like one in every other report.
import { redactSecret } from '../report/redact.js';
import type { OccurrenceRecord, ScanResult } from '../store/types.js';
import type { ScanTask } from './plan.js';

export interface ScanTaskOptions {
  readonly dir: string;
  readonly config: Config;
  readonly maxDecodeDepth?: number;
  readonly signal?: AbortSignal;
  readonly onBytes?: (n: number) => void;
  readonly onCommit?: () => void;
  /** Scanners by rule list, reused across tasks (compiling the pack costs ~100 ms). */
  readonly scanners?: Map<string, Scanner>;
}

/**
 * `git log` over an explicit commit list with exactly `leakward history`'s diff options for that part (context,
 * rename detection, combined diffs): the selection options after `--full-history` give way to `--no-walk`.
 */
function listArgs(part: LogPart): string[] {
  const { args } = historyLogArgs({ merges: 'cc' }, part);
  const diff = args.slice(0, args.indexOf('--full-history'));
  return [...diff, ...(part === 'merges' ? ['--cc'] : []), '--no-walk=unsorted', '--stdin', '--'];
}
const COMMITS_ARGS = listArgs('commits');
const MERGES_ARGS = listArgs('merges');

/** The scanner for a rule list (all rules when it lists the whole config). */
export function scannerFor(config: Config, rules: readonly string[], maxDecodeDepth: number | undefined, cache?: Map<string, Scanner>): Scanner {
  const all = rules.length === config.rules.length;
  const key = all ? '*' : rules.join(',');
  let s = cache?.get(key);
  if (!s) {
    s = createScanner(config, { ...(all ? {} : { enableRules: rules }), ...(maxDecodeDepth !== undefined ? { maxDecodeDepth } : {}) });
    cache?.set(key, s);
  }
  return s;
}

/** A finding as the datastore records it. Path-only findings are keyed by rule and path (as baselines are). */
export function toOccurrence(f: Finding): OccurrenceRecord {
  const c = f.commit;
  let date = c?.date ?? '';
  const t = Date.parse(date);
  if (Number.isFinite(t)) date = new Date(t).toISOString(); // UTC, so dates compare as strings
  return {
    fingerprint: f.secret === '' ? pathFingerprint(f.ruleId, f.file, DEFAULT_FINGERPRINT_SALT) : f.fingerprint,
    ruleId: f.ruleId, description: f.description, preview: redactSecret(f.secret), confidence: f.confidence ?? 'medium',
    entropy: Math.round(f.entropy * 1000) / 1000,
    sha: c?.sha ?? '', path: f.file, line: f.startLine, column: f.startColumn,
    author: c?.author ?? '', email: c?.email ?? '', date,
  };
}

export async function scanTask(task: ScanTask, opts: ScanTaskOptions): Promise<ScanResult> {
  const occurrences: OccurrenceRecord[] = [];
  let bytes = 0;
  if (task.rules.length > 0 && task.commits.length + task.merges.length > 0) {
    const scanner = scannerFor(opts.config, task.rules, opts.maxDecodeDepth, opts.scanners);
    const gits: GitStream[] = [];
    if (task.commits.length > 0) gits.push(gitStream(opts.dir, COMMITS_ARGS, `${task.commits.join('\n')}\n`));
    if (task.merges.length > 0) gits.push(gitStream(opts.dir, MERGES_ARGS, `${task.merges.join('\n')}\n`));
    const kill = (): void => { for (const g of gits) g.kill(); };
    opts.signal?.addEventListener('abort', kill, { once: true });
    try {
      for (const git of gits) {
        const fragments = parseUnifiedDiff(git.stdout, {
          onBytes: (n) => { bytes += n; opts.onBytes?.(n); },
          ...(opts.onCommit ? { onCommit: opts.onCommit } : {}),
        });
        for await (const fragment of fragments) {
          // The parser hands whole Buffers (≤ 1 MiB): scanned synchronously, no async iteration per fragment.
          const c = fragment.content;
          if (Buffer.isBuffer(c)) for (const f of scanner.scanBuffer(c, fragment)) occurrences.push(toOccurrence(f));
          else for await (const f of scanner.scanFragment(fragment)) occurrences.push(toOccurrence(f));
        }
        await git.done;
      }
    } finally {
      opts.signal?.removeEventListener('abort', kill);
      kill();
    }
    if (opts.signal?.aborted) throw new Error('interrupted');
  }
  return { repo: task.repo, ruleSetId: task.ruleSetId, rules: task.rules, commits: [...task.commits, ...task.merges], occurrences, bytes };
}
