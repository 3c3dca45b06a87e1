/**
 * The sweep report as Markdown (a ticket, a pull request comment), as SARIF per repository, and as JSON Lines.
 * All from `SweepReportData`; previews are the datastore's redacted ones.
 */
import type * as Sarif from 'sarif';
import type { FindingRow, SweepStore } from '../store/index.js';
import { fmtBytes, fmtDuration, repoFileName, type SweepReportData } from './sweep-data.js';
import { SARIF_SCHEMA_URI, SARIF_VERSION, TOOL_INFORMATION_URI, TOOL_NAME } from './sarif.js';

/** Markdown table cell: pipes and line breaks would end the cell. */
const md = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/([`*_<>[\]])/g, '\\$1');

export function renderSweepMarkdown(data: SweepReportData, limit = 50): string {
  const c = data.coverage;
  const open = (data.byStatus.get('new') ?? 0) + (data.byStatus.get('confirmed') ?? 0);
  const lines = [
    '# leakward sweep report', '',
    `Generated ${data.generatedAt}. Secrets are redacted.`, '',
    '## Coverage', '',
    `- Repositories swept: **${c.swept}**, failed: **${c.failed.length}**`,
    `- Commits scanned: ${c.commits}; diff bytes read: ${fmtBytes(c.bytes)}; sweep time: ${fmtDuration(c.durationMs)}`,
    `- Rule set: ${c.ruleSetIds.map((x) => `\`${x}\``).join(', ') || 'none'}; last sweep: ${c.lastSweep ?? 'never'}`,
    ...c.failed.map((r) => `- FAILED ${md(r.url)}: ${md(r.error ?? '')}`), '',
    '## Findings', '',
    `**${data.findings.length}** findings, **${open}** open, **${data.findings.filter((f) => f.present).length}** still present at a default branch tip.`, '',
    '| status | count |', '|---|---:|', ...[...data.byStatus].map(([k, n]) => `| ${md(k)} | ${n} |`), '',
    '| rule | count |', '|---|---:|', ...[...data.byRule].slice(0, 20).map(([k, n]) => `| ${md(k)} | ${n} |`), '',
    '| repository | count |', '|---|---:|', ...[...data.byRepo].slice(0, 20).map(([k, n]) => `| ${md(k)} | ${n} |`), '',
    `### Highest risk${data.findings.length > limit ? ` (first ${limit})` : ''}`, '',
    '| status | exposure | rule | secret | introduced | where | fingerprint |', '|---|---|---|---|---|---|---|',
    ...data.findings.slice(0, limit).map((f) =>
      `| ${md(f.status)} | ${f.present ? '**still present**' : 'history only'} | ${md(f.ruleId)} | \`${f.preview.replace(/`/g, "'")}\` | ` +
      `${f.first.date.slice(0, 10)} ${md(f.first.author)} \`${f.first.sha.slice(0, 12)}\` | ${md(f.first.path)}:${f.first.line} | \`${f.fingerprint.slice(0, 20)}…\` |`),
    '',
  ];
  return lines.join('\n');
}

const levelOf = (c: string): Sarif.Result.level => (c === 'high' ? 'error' : c === 'low' ? 'note' : 'warning');

/** One SARIF log per repository: file name → content. A repository without findings gets an empty run. */
export function renderSweepSarif(data: SweepReportData, store: SweepStore, toolVersion?: string): Map<string, string> {
  const out = new Map<string, string>();
  const byFp = new Map(data.findings.map((f) => [f.fingerprint, f]));
  for (const repo of data.coverage.repos) {
    if (repo.error) continue;
    const rules = new Map<string, number>();
    const ruleDescs: Sarif.ReportingDescriptor[] = [];
    const results: Sarif.Result[] = [];
    for (const o of store.occurrencesInRepo(repo.url)) {
      const f = byFp.get(o.fingerprint);
      if (!f) continue;
      let idx = rules.get(f.ruleId);
      if (idx === undefined) {
        rules.set(f.ruleId, idx = ruleDescs.length);
        ruleDescs.push({ id: f.ruleId, shortDescription: { text: f.ruleId }, fullDescription: { text: f.description || f.ruleId },
          help: { text: 'A credential was committed. Revoke and rotate it; removing it from the code does not un-leak it.' }, properties: { tags: ['security'] } });
      }
      results.push({
        ruleId: f.ruleId, ruleIndex: idx, level: levelOf(f.confidence),
        message: { text: `${f.ruleId}: ${f.description || 'secret'} (${f.preview || 'file'}), ${f.present ? 'still present' : 'history only'}, status ${f.status}` },
        locations: [{ physicalLocation: { artifactLocation: { uri: o.path, uriBaseId: '%SRCROOT%' }, region: { startLine: Math.max(1, o.line), startColumn: Math.max(1, o.column) } } }],
        partialFingerprints: { 'leakward/v2': f.fingerprint, commitSha: o.sha },
        properties: { commit: o.sha, author: o.author, date: o.date, status: f.status, present: f.present },
      });
    }
    const log: Sarif.Log = {
      $schema: SARIF_SCHEMA_URI, version: SARIF_VERSION,
      runs: [{
        tool: { driver: { name: TOOL_NAME, informationUri: TOOL_INFORMATION_URI, ...(toolVersion ? { version: toolVersion } : {}), rules: ruleDescs } },
        versionControlProvenance: [{ repositoryUri: repo.url, ...(repo.head ? { revisionId: repo.head } : {}), ...(repo.defaultBranch ? { branch: repo.defaultBranch } : {}) }],
        results,
      }],
    };
    out.set(`${repoFileName(repo.url)}.sarif`, JSON.stringify(log, null, 1) + '\n');
  }
  return out;
}

/** One JSON object per finding, with all its occurrences; written line by line. */
export function* renderSweepJsonl(data: SweepReportData, store: SweepStore): Generator<string> {
  for (const f of data.findings) yield JSON.stringify(jsonOf(f, store)) + '\n';
}

function jsonOf(f: FindingRow, store: SweepStore): object {
  return {
    fingerprint: f.fingerprint, ruleId: f.ruleId, description: f.description, preview: f.preview, confidence: f.confidence,
    status: f.status, ...(f.triage ? { triage: { note: f.triage.note, by: f.triage.by, at: f.triage.at } } : {}),
    present: f.present, firstIntroduced: f.first, repos: f.repos, occurrences: store.occurrencesOf(f.fingerprint),
  };
}
