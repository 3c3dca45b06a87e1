import fs from 'node:fs';
import path from 'node:path';
import { UsageError, type CliIO } from '../io.js';

const help = `usage: leakward report --db FILE [-f html|markdown|sarif|jsonl] [-o FILE|DIR]

Reports what 'leakward sweep' recorded, offline: coverage first (repositories swept and failed, commits, rule
set), then findings by status, rule, repository and month of introduction, and every finding by risk (still
present first, then confidence, then age). Secrets are redacted: the datastore never holds them.

options:
      --db FILE        the datastore (default: leakward-sweep.db)
  -f, --format F       html (default; one self-contained file, readable without JavaScript), markdown,
                       sarif (one file per repository: -o DIR gets DIR/<host>__<owner>__<name>.sarif), jsonl
                       (one finding per line with its occurrences)
  -o, --output PATH    file (directory for sarif); default standard output
`;

export async function run(args: string[], io: CliIO): Promise<number> {
  const { parseArgs } = await import('node:util');
  let parsed;
  try {
    parsed = parseArgs({ args, strict: true, allowPositionals: false, options: {
      db: { type: 'string' }, format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' },
    } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) { io.stdout.write(help); return 0; }
  const format = (v.format ?? 'html').toLowerCase();
  if (!['html', 'markdown', 'md', 'sarif', 'jsonl'].includes(format)) throw new UsageError(`--format must be html, markdown, sarif or jsonl (got '${format}')`);
  if (format === 'sarif' && !v.output) throw new UsageError('-f sarif writes one file per repository: give -o DIR');
  const { openStore, StoreError } = await import('../../store/index.js');
  const rep = await import('../../report/index.js');
  const dbFile = path.resolve(io.cwd, v.db ?? 'leakward-sweep.db');
  let store;
  try { store = openStore(dbFile, { mustExist: true }); } catch (err) { if (err instanceof StoreError) throw new UsageError(err.message); throw err; }
  try {
    const data = rep.sweepReportData(store);
    const out = v.output ? path.resolve(io.cwd, v.output) : undefined;
    if (format === 'sarif') {
      fs.mkdirSync(out!, { recursive: true });
      const { readFileSync } = fs;
      const { packageRoot } = await import('../../core/paths.js');
      const version = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).version as string;
      const files = rep.renderSweepSarif(data, store, version);
      for (const [name, text] of files) fs.writeFileSync(path.join(out!, name), text);
      io.stderr.write(`leakward report: wrote ${files.size} SARIF file(s) to ${v.output}\n`);
      return 0;
    }
    const write = (chunks: Iterable<string>): void => {
      if (out) {
        const fd = fs.openSync(`${out}.tmp-${process.pid}`, 'w');
        try { for (const c of chunks) fs.writeSync(fd, c); } finally { fs.closeSync(fd); }
        fs.renameSync(`${out}.tmp-${process.pid}`, out);
      } else {
        for (const c of chunks) io.stdout.write(c);
      }
    };
    if (format === 'html') write([rep.renderSweepHtml(data)]);
    else if (format === 'jsonl') write(rep.renderSweepJsonl(data, store));
    else write([rep.renderSweepMarkdown(data)]);
    return 0;
  } finally {
    store.close();
  }
}
