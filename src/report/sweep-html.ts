/**
 * The sweep report as one self-contained HTML file: inline CSS, an inline SVG chart, no script, no external
 * resource (it reads the same with JavaScript off, offline, from an e-mail attachment). Coverage comes first, so
 * nobody mistakes a failed sweep for a clean one.
 *
 * The findings table is a list of columns (`FINDING_COLUMNS`): a new column (say, a verification result) is one
 * entry, not an edit of the table code.
 */
import type { FindingRow } from '../store/index.js';
import { commitLink, fmtBytes, fmtDuration, type SweepReportData } from './sweep-data.js';

/** Escapes text for HTML element content and attribute values. */
export function esc(s: string): string {
  let out = '';
  for (const ch of s) {
    switch (ch) {
      case '&': out += '&amp;'; break;
      case '<': out += '&lt;'; break;
      case '>': out += '&gt;'; break;
      case '"': out += '&quot;'; break;
      case "'": out += '&#39;'; break;
      default: out += ch;
    }
  }
  return out;
}

export interface FindingColumn {
  readonly title: string;
  /** Cell content, already escaped HTML. */
  cell(f: FindingRow, data: SweepReportData): string;
}

const short = (sha: string): string => sha.slice(0, 12);

function commitCell(f: FindingRow): string {
  const repo = f.repos[0]?.url;
  const link = repo ? commitLink(repo, f.first.sha) : undefined;
  const sha = esc(short(f.first.sha));
  return link ? `<a href="${esc(link)}"><code>${sha}</code></a>` : `<code>${sha}</code>`;
}

export const FINDING_COLUMNS: FindingColumn[] = [
  { title: 'Status', cell: (f) => `<span class="st st-${esc(f.status)}">${esc(f.status)}</span>${f.triage?.note ? `<br><small>${esc(f.triage.note)}</small>` : ''}` },
  {
    title: 'Verification',
    cell: (f) => {
      const v = f.verification;
      if (!v) return '<small>not checked</small>';
      const detail = [v.identity, v.reason].filter((x) => x).map((x) => esc(x)).join('<br>');
      return `<span class="vf vf-${esc(v.status)}">${esc(v.status)}</span>${detail ? `<br><small>${detail}</small>` : ''}<br><small>${esc(v.checkedAt.slice(0, 16).replace('T', ' '))}</small>`;
    },
  },
  { title: 'Exposure', cell: (f) => (f.present ? '<strong class="live">still present</strong>' : 'history only') },
  { title: 'Rule', cell: (f) => `${esc(f.ruleId)}<br><small>${esc(f.confidence)} confidence</small>` },
  { title: 'Secret (redacted)', cell: (f) => `<code>${esc(f.preview || '(file)')}</code>` },
  { title: 'Introduced', cell: (f) => `${esc(f.first.date.slice(0, 10))} by ${esc(f.first.author)}<br>${commitCell(f)} <code>${esc(f.first.path)}:${f.first.line}</code>` },
  { title: 'Reachable from', cell: (f) => f.repos.map((r) => `${esc(r.url)}${r.refs.length ? ` <small>(${esc(r.refs.slice(0, 3).map((x) => x.replace(/^refs\/(heads|tags)\//, '')).join(', '))}${r.refs.length > 3 ? ', …' : ''})</small>` : ''}`).join('<br>') || '<small>not recorded</small>' },
  { title: 'Seen', cell: (f) => `${f.occurrences}×` },
  { title: 'Fingerprint', cell: (f) => `<code class="fp">${esc(f.fingerprint.slice(0, 20))}…</code>` },
];

function countTable(title: string, m: ReadonlyMap<string, number>, limit = 50): string {
  const rows = [...m].slice(0, limit).map(([k, n]) => `<tr><td>${esc(k)}</td><td class="n">${n}</td></tr>`).join('');
  const more = m.size > limit ? `<tr><td colspan="2"><small>… and ${m.size - limit} more</small></td></tr>` : '';
  return `<section class="counts"><h3>${esc(title)}</h3><table><tbody>${rows || '<tr><td colspan="2">none</td></tr>'}${more}</tbody></table></section>`;
}

/** Bars per month of first introduction (inline SVG, with a text fallback in <title>s and a table). */
export function monthChart(byMonth: ReadonlyMap<string, number>): string {
  const entries = [...byMonth];
  if (entries.length === 0) return '<p>No findings to chart.</p>';
  const max = Math.max(1, ...entries.map(([, n]) => n));
  const bw = Math.max(4, Math.min(24, Math.floor(720 / entries.length)));
  const h = 120, w = bw * entries.length + 40;
  const bars = entries.map(([k, n], i) => {
    const bh = Math.round((n / max) * h);
    return `<rect x="${30 + i * bw}" y="${10 + h - bh}" width="${bw - 1}" height="${bh}" class="bar"><title>${esc(k)}: ${n}</title></rect>`;
  }).join('');
  const first = entries[0]![0], last = entries[entries.length - 1]![0];
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Findings by month of introduction" width="${w}" height="${h + 30}" viewBox="0 0 ${w} ${h + 30}">` +
    `<text x="0" y="18" class="ax">${max}</text><text x="0" y="${h + 10}" class="ax">0</text>${bars}` +
    `<text x="30" y="${h + 26}" class="ax">${esc(first)}</text><text x="${w - 2}" y="${h + 26}" text-anchor="end" class="ax">${esc(last)}</text></svg>`;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1d1d1f;max-width:1400px}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}table{border-collapse:collapse}
td,th{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}th{background:#f4f4f6}
.n{text-align:right}.counts{display:inline-block;vertical-align:top;margin-right:2em}.live{color:#b00020}
.st{padding:1px 6px;border-radius:8px;background:#eee}.st-new{background:#ffe1e1}.st-confirmed{background:#ffd0a8}
.st-revoked{background:#e0f0e0}.vf{padding:1px 6px;border-radius:8px;background:#eee}.vf-verified{background:#b00020;color:#fff}
.vf-invalid{background:#e0f0e0}.filter{margin:.5em 0}.filter label{margin-right:1em}
#vf-verified:checked~#findings-table tbody tr:not(.v-verified),#vf-invalid:checked~#findings-table tbody tr:not(.v-invalid),
#vf-unknown:checked~#findings-table tbody tr:not(.v-unknown){display:none}.bar{fill:#3366cc}.ax{font-size:11px;fill:#555}.fail{color:#b00020}code{font-size:12px}
dl.cov{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dl.cov dt{font-weight:600}`;

/**
 * The verification filter: radio buttons before the table and CSS rules that hide the other rows (the report has
 * no script). The inputs are the table's siblings so `:checked ~ table` reaches it.
 */
function filter(data: SweepReportData): string {
  const n = (s: string): number => data.findings.filter((f) => f.verification?.status === s).length;
  const opt = (id: string, label: string, checked = false): string =>
    `<input type="radio" name="vf" id="vf-${id}"${checked ? ' checked' : ''}><label for="vf-${id}">${esc(label)}</label>`;
  return `<div class="filter">Show: </div>\n${opt('all', `all (${data.findings.length})`, true)}${opt('verified', `verified (${n('verified')})`)}` +
    `${opt('invalid', `invalid (${n('invalid')})`)}${opt('unknown', `unknown (${n('unknown')})`)}\n`;
}

export function renderSweepHtml(data: SweepReportData): string {
  const c = data.coverage;
  const failed = c.failed.length === 0 ? '<p>No repository failed.</p>'
    : `<table><thead><tr><th>Repository</th><th>Why</th></tr></thead><tbody>${c.failed.map((r) =>
      `<tr><td>${esc(r.url)}</td><td class="fail">${esc(r.error ?? '')}</td></tr>`).join('')}</tbody></table>`;
  const head = FINDING_COLUMNS.map((col) => `<th>${esc(col.title)}</th>`).join('');
  const rows = data.findings.map((f) => `<tr class="v-${esc(f.verification?.status ?? 'none')}">${FINDING_COLUMNS.map((col) => `<td>${col.cell(f, data)}</td>`).join('')}</tr>`).join('\n');
  const open = (data.byStatus.get('new') ?? 0) + (data.byStatus.get('confirmed') ?? 0);
  const present = data.findings.filter((f) => f.present).length;
  const verifiedRan = data.findings.some((f) => f.verification);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>leakward sweep report</title><style>${CSS}</style></head><body>
<h1>leakward sweep report</h1>
<p>Generated ${esc(data.generatedAt)}. Secrets are redacted: the datastore never holds them.</p>
<h2 id="coverage">Coverage</h2>
<dl class="cov">
<dt>Repositories swept</dt><dd id="repos-swept">${c.swept}</dd>
<dt>Repositories failed</dt><dd id="repos-failed">${c.failed.length}</dd>
<dt>Commits scanned</dt><dd id="commits">${c.commits}</dd>
<dt>Diff bytes read (last sweeps)</dt><dd>${esc(fmtBytes(c.bytes))}</dd>
<dt>Sweep time (sum of last sweeps)</dt><dd>${esc(fmtDuration(c.durationMs))}</dd>
<dt>Last sweep</dt><dd>${esc(c.lastSweep ?? 'never')}</dd>
<dt>Rule set${c.ruleSetIds.length === 1 ? '' : 's'}</dt><dd><code>${esc(c.ruleSetIds.join(', ') || 'none')}</code></dd>
</dl>
<h3>Failed repositories</h3>
${failed}
<h2 id="summary">Findings</h2>
<p><strong id="findings-total">${data.findings.length}</strong> findings: <strong id="findings-open">${open}</strong> open (new or confirmed),
<strong id="findings-present">${present}</strong> still present at the tip of a default branch.</p>
${countTable('By status', data.byStatus)}${countTable('By rule', data.byRule)}${countTable('By repository', data.byRepo)}
<h3>By month of introduction</h3>
${monthChart(data.byMonth)}
<h2 id="findings">Findings by risk</h2>
<p>${verifiedRan ? 'Verified (working) credentials first, then open' : 'Open'} first, then still present, then confidence, then age.</p>
${verifiedRan ? filter(data) : ''}<table id="findings-table"><thead><tr>${head}</tr></thead><tbody>
${rows}
</tbody></table>
</body></html>
`;
}
