/**
 * Precision on real code nobody planted secrets in (offline; `npm run bench:prepare` fetches the trees first):
 *
 *   npm tree     bench/.work/npm-tree/node_modules: the pinned popular npm packages of bench/precision/packages.json
 *                (cloud SDKs of AWS, Google and Azure among them), scanned by the CLI with the folder named on the
 *                command line, default settings
 *   Debian tree  bench/.work/debian-tree: pinned python3-* library sources as Debian ships them
 *
 * For each tree: MiB of text (files the scanner does not skip as binary), findings, findings per MiB against the
 * target (≤ 0.05), and every remaining finding with a one-line reason from bench/precision/reasons.json (keyed by
 * `path-inside-the-tree:rule`; an unexplained finding prints UNEXPLAINED). Floor: reading every file of the tree on
 * one thread, beside the scan's wall time. A missing tree is reported as such (run `npm run bench:prepare`).
 *
 * Usage: node dist/bench/precision.bench.js [--tree DIR ...]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const workDir = path.join(repoRoot, 'bench', '.work');
const TARGET_PER_MIB = 0.05;

interface JsonFinding { RuleID: string; File: string; StartLine: number; Severity?: string }

/** Bytes of text and file count under dir (a NUL in the first 8 KiB = binary, as the scanner decides). */
function measureTree(dir: string): { files: number; textBytes: number; readMs: number } {
  const t0 = performance.now();
  let files = 0;
  let textBytes = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        const buf = fs.readFileSync(p);
        files++;
        if (buf.subarray(0, 8192).indexOf(0) < 0) textBytes += buf.length;
      }
    }
  }
  return { files, textBytes, readMs: performance.now() - t0 };
}

function loadReasons(): Record<string, string> {
  try {
    return JSON.parse(fs.readFileSync(path.join(repoRoot, 'bench', 'precision', 'reasons.json'), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

export async function run(argv: string[]): Promise<void> {
  const trees: { name: string; dir: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--tree' && argv[i + 1]) trees.push({ name: path.basename(argv[i + 1]!), dir: path.resolve(argv[++i]!) });
  }
  if (trees.length === 0) {
    trees.push({ name: 'npm tree', dir: path.join(workDir, 'npm-tree', 'node_modules') });
    trees.push({ name: 'Debian tree', dir: path.join(workDir, 'debian-tree') });
  }
  const reasons = loadReasons();
  console.log(`precision: default settings, target ≤ ${TARGET_PER_MIB} findings/MiB; load average ${os.loadavg()[0]!.toFixed(1)}`);
  let failed = false;
  for (const t of trees) {
    if (!fs.existsSync(t.dir)) {
      console.log(`precision: ${t.name}: ${path.relative(repoRoot, t.dir)} missing — run \`npm run bench:prepare\``);
      continue;
    }
    const m = measureTree(t.dir);
    const out = path.join(os.tmpdir(), `leakward-precision-${process.pid}.json`);
    const t0 = performance.now();
    // The folder is named on the command line: a git-ignored node_modules is scanned whole.
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'leakward.js'), 'scan', t.dir, '-f', 'json', '-o', out], {
      cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 << 20,
    });
    const scanMs = performance.now() - t0;
    if (r.status !== 0 && r.status !== 1) {
      console.log(`precision: ${t.name}: scan failed (exit ${r.status}): ${(r.stderr ?? '').split('\n')[0]}`);
      failed = true;
      continue;
    }
    const findings = JSON.parse(fs.readFileSync(out, 'utf8')) as JsonFinding[];
    fs.rmSync(out, { force: true });
    const mib = m.textBytes / (1 << 20);
    const perMiB = findings.length / mib;
    console.log(`precision: ${t.name}: ${m.files} files, ${mib.toFixed(1)} MiB of text; ${findings.length} findings → ` +
      `${perMiB.toFixed(4)} findings/MiB (target ≤ ${TARGET_PER_MIB}: ${perMiB <= TARGET_PER_MIB ? 'met' : 'NOT met'})`);
    console.log(`  floor  read every file: ${(m.readMs / 1000).toFixed(1)} s; leakward scan (CLI, all threads): ${(scanMs / 1000).toFixed(1)} s`);
    for (const f of findings) {
      const rel = path.relative(t.dir, path.resolve(repoRoot, f.File)).split(path.sep).join('/');
      const why = reasons[`${rel}:${f.RuleID}`] ?? 'UNEXPLAINED';
      console.log(`  ${rel}:${f.StartLine}  ${f.RuleID}  ${f.Severity ?? ''}  — ${why}`);
    }
    if (perMiB > TARGET_PER_MIB) failed = true;
  }
  if (failed) process.exitCode = 1;
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) await run(process.argv.slice(2));
