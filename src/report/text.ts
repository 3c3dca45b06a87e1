/**
 * The text report, for people: one block per finding, then a summary line.
 *
 *   src/config.ts:12:18  aws-access-token  AWS Access Key ID
 *     secret   AKIA…
 *     match    aws_key = "AKIA…"
 *     commit   1a2b3c4 Alice <alice@example.com> 2024-05-01T10:00:00Z "Add config"
 *     decoded  base64
 *
 *   1 secret found in 1 file (1 commit).
 */
import type { Finding } from '../core/types.js';
import { paint, printable } from './color.js';
import { redactMatch, redactSecret, scrub } from './redact.js';
import type { ReportOptions, ReportRenderer } from './types.js';

const SHORT_SHA = 7;

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function textRenderer(options: ReportOptions): ReportRenderer {
  const p = paint(options.color);
  let count = 0;
  const files = new Set<string>();
  const commits = new Set<string>();

  return {
    begin: () => '',
    finding(f: Finding): string {
      count++;
      files.add(f.file);
      if (f.commit) commits.add(f.commit.sha);
      // Every free-text field is scrubbed of the secret before it is made printable.
      const clean = (s: string): string => printable(scrub(s, f.secret, options));
      const where = `${clean(f.file)}:${f.startLine}:${f.startColumn}`;
      const sev = f.severity ? `  [${f.severity}]` : '';
      const lines = [`${p.bold(p.cyan(where))}  ${p.red(clean(f.ruleId))}${sev}  ${clean(f.description)}`];
      if (f.secret !== '') {
        const secret = redactSecret(f.secret, options);
        lines.push(`  ${p.dim('secret ')}  ${p.yellow(printable(secret))}`);
        // The match adds context (`password = "…"`) unless it is just the secret again.
        const match = redactMatch(f.match, f.secret, options, options.otherSecrets?.(f));
        if (match !== secret) lines.push(`  ${p.dim('match  ')}  ${printable(match)}`);
      } else if (f.match !== '') {
        lines.push(`  ${p.dim('match  ')}  ${clean(redactMatch(f.match, '', options, options.otherSecrets?.(f)))}`);
      }
      if (f.commit) {
        const c = f.commit;
        const who = c.email ? `${clean(c.author)} <${clean(c.email)}>` : clean(c.author);
        const subject = c.message ? ` ${JSON.stringify(clean(c.message))}` : '';
        lines.push(`  ${p.dim('commit ')}  ${p.magenta(clean(c.sha.slice(0, SHORT_SHA)))} ${who} ${clean(c.date)}${subject}`);
      }
      if (f.verification) {
        const v = f.verification;
        const paintStatus = v.status === 'verified' ? p.red : v.status === 'invalid' ? p.green : p.dim;
        const detail = [v.identity, v.reason].filter((x) => x).map((x) => clean(x!)).join('; ');
        lines.push(`  ${p.dim('verify ')}  ${paintStatus(v.status.toUpperCase())}${detail ? ` ${detail}` : ''} ${p.dim(`(${v.provider ? `${v.provider}, ` : ''}${clean(v.checkedAt)})`)}`);
      }
      if (f.image) {
        const i = f.image;
        const platform = i.platform ? ` ${i.platform}` : '';
        lines.push(`  ${p.dim('image  ')}  ${clean(i.ref)} ${i.digest.slice(0, 19)}${platform}`);
        if (i.layerDigest !== undefined) {
          const removed = i.removed ? `  ${p.yellow('removed in a later layer')}` : '';
          lines.push(`  ${p.dim('layer  ')}  ${i.layerIndex ?? '?'} ${i.layerDigest.slice(0, 19)}${removed}`);
        }
      }
      if (f.decodedBy && f.decodedBy.length > 0) {
        lines.push(`  ${p.dim('decoded')}  ${clean(f.decodedBy.join(' → '))}`);
      }
      return lines.join('\n') + '\n\n';
    },
    end(): string {
      // a scan that did not finish never reads as clean
      const cut = options.incomplete ? `${p.bold(p.red('Scan incomplete:'))} ${options.incomplete}\n` : '';
      if (count === 0) return cut || `${p.green('No secrets found.')}\n`;
      const inCommits = commits.size > 0 ? ` (${plural(commits.size, 'commit', 'commits')})` : '';
      return `${p.bold(p.red(plural(count, 'secret', 'secrets')))} found in ${plural(files.size, 'file', 'files')}${inCommits}.\n${cut}`;
    },
  };
}
