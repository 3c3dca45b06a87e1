/** Helpers for the core engine tests: tiny configs, chunkings, a seeded PRNG, redaction for messages. */
import type { Config, Finding, Fragment, RuleSpec, AllowlistSpec } from '../../../src/core/types.js';
import { createScanner, type ScanOptions } from '../../../src/core/scanner.js';
import { mulberry32 as prng } from '../../support/prng.js';
export { prng };

export function config(rules: RuleSpec[], allowlists: AllowlistSpec[] = []): Config {
  return { rules, allowlists, files: ['<test>'], warnings: [] };
}

/** What a finding looks like in assertions: no raw secret in messages (a short prefix only). */
export function brief(f: Finding): string {
  return `${f.ruleId}@${f.startLine}:${f.startColumn}-${f.endLine}:${f.endColumn}[${f.span[0]},${f.span[1]})` +
    `${f.decodedBy ? '<' + f.decodedBy.join('/') + '>' : ''}:${f.secret.slice(0, 4)}…`;
}

export function scanText(cfg: Config, text: string | Buffer, meta: Omit<Fragment, 'content'> = { path: 'f.txt' }, opts?: ScanOptions): Finding[] {
  return createScanner(cfg, opts).scanBuffer(typeof text === 'string' ? Buffer.from(text) : text, meta);
}

export async function collect(it: AsyncIterable<Finding>): Promise<Finding[]> {
  const out: Finding[] = [];
  for await (const f of it) out.push(f);
  return out;
}

export async function* chunked(buf: Buffer, sizes: (i: number) => number): AsyncIterable<Buffer> {
  let i = 0;
  for (let k = 0; i < buf.length; k++) {
    const n = Math.max(1, sizes(k));
    yield buf.subarray(i, Math.min(buf.length, i + n));
    i += n;
  }
}


/** A synthetic token: prefix + n seeded alphanumerics. */
export function token(prefix: string, n: number, seed: number): string {
  const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const r = prng(seed);
  let s = prefix;
  for (let i = 0; i < n; i++) s += alpha[Math.floor(r() * alpha.length)];
  return s;
}

/** A two-rule config for source and pool tests: an AWS-style key id and a `.p12` path-only rule. */
export const awsAndP12Config: Config = config([
  { id: 'test-aws-key', description: 'test key', regex: '\\b(AKIA[A-Z2-7]{16})\\b', keywords: ['akia'] },
  { id: 'test-p12', description: 'test path rule', path: '\\.p12$' },
]);
