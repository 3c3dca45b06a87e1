/**
 * The SARIF 2.1.0 report, shaped for GitHub code scanning.
 *
 * - `results` stream one by one; `tool` is written after them, so rules met only in findings (not in
 *   `options.rules`) still get a descriptor and every result a `ruleIndex`. JSON key order carries no meaning.
 * - Result messages never hold a secret, redacted or not; `showSecrets` adds the secret as `region.snippet`
 *   (as gitleaks does), nothing else does.
 * - Columns count code points (`columnKind: unicodeCodePoints`); SARIF's `endColumn` is exclusive, a finding's is
 *   inclusive, hence +1.
 * - `partialFingerprints['leakward/v2']` is the finding's position-independent `lw2:` fingerprint; history findings
 *   also carry `commitSha` (as gitleaks writes it). GitHub reads only `primaryLocationLineHash` (which upload-sarif
 *   computes from the source line when absent; the upload API does not). We fill it ourselves from the `lw2:`
 *   fingerprint, the path (and the commit, for history findings), plus an occurrence counter like CodeQL's `hash:n`, so an alert keeps its identity
 *   when the secret moves to another line, and two occurrences of one secret in one file stay two alerts. It is
 *   derived from the HMAC, never from the secret.
 * - GitHub requires region start/end line and column, `shortDescription`, `fullDescription` and `help` text on every
 *   rule, and non-empty strings: all always present here. `invocations[0].workingDirectory` (when `root` is given)
 *   lets GitHub relativise any absolute URI.
 * - GitHub reads `properties.tags` (`security` makes an alert a security alert), `properties.precision` and
 *   `properties['security-severity']` from rule descriptors.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import type { Confidence, Finding, RuleSpec } from '../core/types.js';
import { redactSecret, scrub } from './redact.js';
import type { ReportOptions, ReportRenderer } from './types.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SARIF_VERSION = '2.1.0';
export const TOOL_NAME = 'leakward';
export const TOOL_INFORMATION_URI = 'https://github.com/leakward/leakward';
export const SRCROOT = '%SRCROOT%';

const HELP_TEXT =
  'A credential was committed to or found in the scanned content. Revoke and rotate it first: removing it from the ' +
  'code does not un-leak it. Then remove it from the code (and from git history if it was committed). To accept a ' +
  'known finding, add its fingerprint to .leakward-baseline.json or .gitleaksignore.';

type Level = 'error' | 'warning' | 'note';

function levelOf(c: Confidence | undefined): Level {
  switch (c) {
    case undefined:
    case 'high':
      return 'error';
    case 'medium':
      return 'warning';
    case 'low':
      return 'note';
    default:
      return c satisfies never;
  }
}

/** A finding's severity (core/severity.ts) as a SARIF level: high → error, medium → warning, low → note. */
function levelOfSeverity(s: 'high' | 'medium' | 'low'): Level {
  return s === 'high' ? 'error' : s === 'medium' ? 'warning' : 'note';
}

function precisionOf(c: Confidence | undefined): string {
  switch (c) {
    case 'high':
      return 'high';
    case undefined:
    case 'medium':
      return 'medium';
    case 'low':
      return 'low';
    default:
      return c satisfies never;
  }
}

/** GitHub: over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium. A leaked secret is at least high. */
function severityOf(c: Confidence | undefined): string {
  switch (c) {
    case 'high':
      return '8.5';
    case undefined:
    case 'medium':
      return '7.5';
    case 'low':
      return '5.0';
    default:
      return c satisfies never;
  }
}

function uniqueTags(tags: readonly string[] | undefined): string[] {
  return [...new Set(['security', 'secret', ...(tags ?? [])])];
}

function descriptor(id: string, description: string | undefined, tags: readonly string[] | undefined, confidence: Confidence | undefined): Sarif.ReportingDescriptor {
  const text = description && description.trim() !== '' ? description : id;
  return {
    id,
    name: id,
    shortDescription: { text: text.length > 1024 ? text.slice(0, 1021) + '...' : text },
    fullDescription: { text: text.length > 1024 ? text.slice(0, 1021) + '...' : text },
    help: { text: HELP_TEXT },
    defaultConfiguration: { level: levelOf(confidence) },
    properties: { tags: uniqueTags(tags), precision: precisionOf(confidence), 'security-severity': severityOf(confidence) },
  };
}

function ruleDescriptor(r: RuleSpec): Sarif.ReportingDescriptor {
  return descriptor(r.id, r.description, r.tags, r.confidence);
}

/** A finding's path as a URI reference relative to `%SRCROOT%` (each segment percent-encoded). */
export function artifactUri(file: string): { uri: string; uriBaseId?: string } {
  const norm = file.split('\\').join('/');
  if (norm.startsWith('/')) return { uri: pathToFileURL(norm).href };
  const rel = norm.startsWith('./') ? norm.slice(2) : norm;
  return { uri: rel.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

/** `file:///abs/root/`: a directory URI must end in `/` for relative references to resolve inside it. */
function dirUri(root: string): string {
  const href = pathToFileURL(root).href;
  return href.endsWith('/') ? href : href + '/';
}

function region(f: Finding, snippet: string | undefined): Sarif.Region {
  const startLine = Math.max(1, f.startLine);
  const startColumn = Math.max(1, f.startColumn);
  const endLine = Math.max(startLine, f.endLine);
  let endColumn = Math.max(1, f.endColumn + 1);
  if (endLine === startLine && endColumn < startColumn) endColumn = startColumn;
  const r: Sarif.Region = { startLine, startColumn, endLine, endColumn };
  if (snippet !== undefined) r.snippet = { text: snippet };
  return r;
}

function indent(json: string, prefix: string): string {
  return prefix + json.split('\n').join('\n' + prefix);
}

export function sarifRenderer(options: ReportOptions): ReportRenderer {
  const rules: Sarif.ReportingDescriptor[] = [];
  const index = new Map<string, number>();
  for (const r of options.rules ?? []) {
    if (index.has(r.id)) continue; // uniqueItems: one descriptor per id
    index.set(r.id, rules.length);
    rules.push(ruleDescriptor(r));
  }
  let count = 0;
  // Occurrences so far of each (fingerprint, path): bounded by the number of findings written.
  const occurrences = new Map<string, number>();

  const ruleIndex = (f: Finding): number => {
    let i = index.get(f.ruleId);
    if (i === undefined) {
      i = rules.length;
      index.set(f.ruleId, i);
      rules.push(descriptor(f.ruleId, f.description, f.tags, f.confidence));
    }
    return i;
  };

  return {
    begin(): string {
      const baseIds: Record<string, Sarif.ArtifactLocation> = {
        [SRCROOT]: options.root
          ? { uri: dirUri(options.root) }
          : { description: { text: 'The root of the scan; result paths are relative to it.' } },
      };
      const incomplete = options.incomplete;
      const invocations: Sarif.Invocation[] | undefined = options.root || incomplete
        ? [{
          executionSuccessful: !incomplete,
          ...(incomplete ? { toolExecutionNotifications: [{ level: 'error' as const, message: { text: incomplete } }] } : {}),
          ...(options.root ? { workingDirectory: { uri: baseIds[SRCROOT]!.uri! } } : {}),
        }]
        : undefined;
      const head = [
        '{',
        `  "$schema": ${JSON.stringify(SARIF_SCHEMA_URI)},`,
        `  "version": ${JSON.stringify(SARIF_VERSION)},`,
        '  "runs": [',
        '    {',
        ...(invocations ? [`      "invocations": ${indent(JSON.stringify(invocations, null, 2), '      ').trimStart()},`] : []),
        `      "originalUriBaseIds": ${indent(JSON.stringify(baseIds, null, 2), '      ').trimStart()},`,
        '      "columnKind": "unicodeCodePoints",',
        '      "results": [',
      ];
      return head.join('\n');
    },
    finding(f: Finding): string {
      const clean = (s: string): string => scrub(s, f.secret, options);
      const file = clean(f.file);
      const c = f.commit;
      let text = `${clean(f.description) || f.ruleId} (${f.ruleId}) in ${file}`;
      if (c) text += ` at commit ${c.sha.slice(0, 7)}`;
      const img = f.image;
      if (img) text += ` in image ${clean(img.ref)}${img.layerIndex !== undefined ? ` layer ${img.layerIndex}` : ''}${img.removed ? ' (removed in a later layer)' : ''}`;
      const where = img ? `\0${img.digest}\0${img.layerDigest ?? ''}` : '';
      const identity = createHash('sha256').update(`${f.fingerprint}\0${file}\0${c?.sha ?? ''}${where}`).digest('hex').slice(0, 16);
      const n = (occurrences.get(identity) ?? 0) + 1;
      occurrences.set(identity, n);
      const partialFingerprints: Record<string, string> = { primaryLocationLineHash: `${identity}:${n}`, 'leakward/v2': f.fingerprint };
      if (c) partialFingerprints['commitSha'] = c.sha;
      const properties: Record<string, unknown> = {};
      if (f.tags.length > 0) properties['tags'] = [...new Set(f.tags)];
      if (f.confidence) properties['confidence'] = f.confidence;
      if (Number.isFinite(f.entropy)) properties['entropy'] = Math.round(f.entropy * 1e6) / 1e6;
      if (f.severity) properties['severity'] = f.severity;
      if (f.decodedBy && f.decodedBy.length > 0) properties['decodedBy'] = [...f.decodedBy];
      if (f.verification) {
        const v = f.verification;
        properties['verification'] = {
          status: v.status,
          identity: v.identity ? clean(v.identity) : '',
          checkedAt: v.checkedAt,
          ...(v.provider ? { provider: v.provider } : {}),
          ...(v.reason ? { reason: clean(v.reason) } : {}),
        };
      }
      if (img) {
        properties['image'] = clean(img.ref);
        properties['imageDigest'] = img.digest;
        if (img.platform) properties['platform'] = img.platform;
        if (img.layerDigest) properties['layerDigest'] = img.layerDigest;
        if (img.layerIndex !== undefined) properties['layerIndex'] = img.layerIndex;
        if (img.removed) properties['removedInLaterLayer'] = true;
      }
      if (c) {
        properties['commit'] = c.sha;
        properties['author'] = clean(c.author);
        properties['email'] = clean(c.email);
        properties['date'] = clean(c.date);
        properties['message'] = clean(c.message);
      }
      const result: Sarif.Result = {
        ruleId: f.ruleId,
        ruleIndex: ruleIndex(f),
        level: f.severity ? levelOfSeverity(f.severity) : levelOf(f.confidence),
        message: { text },
        locations: [
          {
            physicalLocation: {
              artifactLocation: artifactUri(file),
              region: region(f, options.showSecrets && f.secret !== '' ? redactSecret(f.secret, options) : undefined),
            },
          },
        ],
        partialFingerprints,
        properties,
      };
      const sep = count++ === 0 ? '\n' : ',\n';
      return sep + indent(JSON.stringify(result, null, 2), '        ');
    },
    end(): string {
      const driver: Sarif.ToolComponent = { name: TOOL_NAME, informationUri: TOOL_INFORMATION_URI, rules };
      if (options.toolVersion) {
        driver.version = options.toolVersion;
        // GitHub prefers semanticVersion over version, but only a real SemVer belongs there. Trusted: our option.
        if (/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/.test(options.toolVersion)) driver.semanticVersion = options.toolVersion;
      }
      const tool: Sarif.Tool = { driver };
      return [
        count === 0 ? ']' : '\n      ]',
        `,\n      "tool": ${indent(JSON.stringify(tool, null, 2), '      ').trimStart()}`,
        '\n    }',
        '\n  ]',
        '\n}\n',
      ].join('');
    },
  };
}
