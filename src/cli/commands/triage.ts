import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { UsageError, type CliIO } from '../io.js';

const help = `usage: leakward triage FINGERPRINT --status STATUS [--note TEXT] [--by NAME] [--db FILE]
       leakward triage FINGERPRINT [--db FILE]            (show its status, history and occurrences)
       leakward triage --export-baseline FILE [--db FILE]

Records a decision about a finding of 'leakward sweep' (who, when, why); later sweeps keep it. A finding marked
revoked whose secret is committed again (a commit dated after the decision) is new again.

options:
      --status S           confirmed, false-positive, revoked or ignored (new: undo a decision)
      --note TEXT          why
      --by NAME            who (default: $LEAKWARD_USER, else git's user.email, else the login name)
      --export-baseline F  write a baseline the hook and 'leakward scan' understand (.leakward-baseline.json
                           format) with the findings marked false-positive, ignored or revoked
      --db FILE            the datastore (default: leakward-sweep.db)
FINGERPRINT may be shortened to any unambiguous prefix (lw2:3f9c…).
`;

export async function run(args: string[], io: CliIO): Promise<number> {
  const { parseArgs } = await import('node:util');
  let parsed;
  try {
    parsed = parseArgs({ args, strict: true, allowPositionals: true, options: {
      db: { type: 'string' }, status: { type: 'string' }, note: { type: 'string' }, by: { type: 'string' },
      'export-baseline': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) { io.stdout.write(help); return 0; }
  const { openStore, StoreError, TRIAGE_STATUSES } = await import('../../store/index.js');
  const dbFile = path.resolve(io.cwd, v.db ?? 'leakward-sweep.db');
  if (v['export-baseline'] === undefined && positionals.length !== 1) throw new UsageError('give one FINGERPRINT (or --export-baseline FILE)');
  if (v.status !== undefined && !(TRIAGE_STATUSES as readonly string[]).includes(v.status)) {
    throw new UsageError(`--status must be one of ${TRIAGE_STATUSES.filter((s) => s !== 'new').join(', ')} (or new)`);
  }
  let store;
  try { store = openStore(dbFile, { mustExist: true }); } catch (err) { if (err instanceof StoreError) throw new UsageError(err.message); throw err; }
  try {
    if (v['export-baseline'] !== undefined) {
      const { BASELINE_VERSION } = await import('../../core/baseline.js');
      const { DEFAULT_FINGERPRINT_SALT } = await import('../../core/fingerprint.js');
      const fingerprints = store.fingerprintsWithStatus(['false-positive', 'ignored', 'revoked']);
      // The sweep's fingerprints use the default (public) key; the baseline says so, and scans using it do too.
      const text = JSON.stringify({ version: BASELINE_VERSION, salt: DEFAULT_FINGERPRINT_SALT, fingerprints }, null, 2) + '\n';
      const file = path.resolve(io.cwd, v['export-baseline']);
      const tmp = `${file}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, file);
      io.stderr.write(`leakward triage: wrote ${fingerprints.length} fingerprint(s) to ${v['export-baseline']}\n`);
      return 0;
    }
    const arg = positionals[0]!;
    const matches = store.fingerprintsLike(arg, 2);
    if (matches.length === 0) throw new UsageError(`no finding with fingerprint ${arg} in ${v.db ?? 'leakward-sweep.db'}`);
    if (matches.length > 1) throw new UsageError(`fingerprint prefix ${arg} is ambiguous: give more of it`);
    const fp = matches[0]!;
    if (v.status === undefined) {
      const t = store.triageOf(fp);
      io.stdout.write(`${fp}\nstatus: ${t?.status ?? 'new'}${t ? ` (by ${t.by} at ${t.at}${t.note ? `: ${t.note}` : ''})` : ''}\n`);
      for (const h of store.triageHistory(fp)) io.stdout.write(`  ${h.at} ${h.status} by ${h.by}${h.note ? `: ${h.note}` : ''}\n`);
      for (const o of store.occurrencesOf(fp)) io.stdout.write(`  ${o.date.slice(0, 10)} ${o.sha.slice(0, 12)} ${o.path}:${o.line} ${o.author}\n`);
      return 0;
    }
    const by = v.by ?? io.env['LEAKWARD_USER'] ?? gitUser(io.cwd) ?? os.userInfo().username;
    store.triage(fp, v.status as import('../../store/index.js').TriageStatus, v.note ?? '', by);
    io.stderr.write(`leakward triage: ${fp.slice(0, 20)}… is now ${v.status} (by ${by})\n`);
    return 0;
  } finally {
    store.close();
  }
}

function gitUser(cwd: string): string | undefined {
  const r = spawnSync('git', ['config', 'user.email'], { cwd, encoding: 'utf8' });
  const s = r.status === 0 ? r.stdout.trim() : '';
  return s || undefined;
}
