/**
 * Synthetic findings for the report tests (not a test file itself). Every secret here is fake: made-up values in
 * real-looking formats. Rule ids and descriptions share no 8-character piece with any secret, so a leak check can
 * look for every 8-character piece of every secret in the output.
 */
import { fingerprint } from '../../src/core/fingerprint.js';
import type { CommitInfo, Finding } from '../../src/core/types.js';

export interface MakeFinding {
  ruleId?: string;
  description?: string;
  file?: string;
  secret: string;
  /** Text before and after the secret in the match (default `key = "` … `"`). */
  before?: string;
  after?: string;
  /** A whole match that does not contain the secret (decoded finds). */
  match?: string;
  startLine?: number;
  startColumn?: number;
  commit?: CommitInfo;
  decodedBy?: readonly string[];
  confidence?: Finding['confidence'];
  tags?: readonly string[];
  salt?: string;
}

export function makeFinding(m: MakeFinding): Finding {
  const ruleId = m.ruleId ?? 'generic-api-key';
  const before = m.before ?? 'key = "';
  const after = m.after ?? '"';
  const match = m.match ?? before + m.secret + after;
  const startLine = m.startLine ?? 3;
  const startColumn = m.startColumn ?? 1 + Array.from(before).length;
  const len = Array.from(m.secret).length;
  const f: Finding = {
    ruleId,
    description: m.description ?? 'Generic API Key',
    tags: m.tags ?? ['key'],
    file: m.file ?? 'src/app/config.ts',
    startLine,
    endLine: startLine,
    startColumn,
    endColumn: startColumn + Math.max(0, len - 1),
    secret: m.secret,
    match,
    entropy: 4.25,
    fingerprint: fingerprint(ruleId, m.secret, m.salt),
    span: [10, 10 + Buffer.byteLength(m.secret)],
    ...(m.commit ? { commit: m.commit } : {}),
    ...(m.decodedBy ? { decodedBy: m.decodedBy } : {}),
    ...(m.confidence ? { confidence: m.confidence } : {}),
  };
  return f;
}

export const COMMIT: CommitInfo = {
  sha: '4f1c2e0b9d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
  author: 'Alex Example',
  email: 'alex@example.com',
  date: '2024-05-01T10:00:00+02:00',
  message: 'Add deployment settings',
};

/** Synthetic secrets of every shape the reporters must hide. */
export const SECRETS = {
  github: 'ghp_Zq8XwVt4NcLm2PkR7sYb9HdJ3fGa6UeQ1oIx',
  aws: 'AKIAZQXWVUTSRQPONMLK',
  short: 'Pw9!xQ',
  tiny: 'k9Z',
  unicode: 'pässwörd-ßëcrêt-ünïcödé-Ωμέγα',
  quoted: 'zz"Quo\\ted\'Sec/ret<&>zz',
  decoded: 'sk_live_SYNTHxxQWERTYuiopZXCV42',
  inMessage: 'xoxb-83920-SYNTH-ChatBotTokenVal',
} as const;

/** One finding of each kind: plain, commit (secret also in the commit subject), decoded, path-only, odd paths. */
export function sampleFindings(): Finding[] {
  return [
    makeFinding({ ruleId: 'github-pat', description: 'GitHub Personal Access Token', secret: SECRETS.github, confidence: 'high', tags: ['github', 'token'] }),
    makeFinding({ ruleId: 'aws-access-key-id', description: 'AWS Access Key ID', secret: SECRETS.aws, file: 'deploy/env.sh', before: 'AWS_ACCESS_KEY_ID=', after: '', startLine: 12 }),
    makeFinding({ ruleId: 'generic-password', description: 'Password assignment', secret: SECRETS.short, file: 'a dir/with space.yml', before: 'password: ', after: '', confidence: 'low' }),
    makeFinding({ ruleId: 'generic-password', description: 'Password assignment', secret: SECRETS.tiny, file: 'tiny.env', before: 'pw=', after: '' }),
    makeFinding({ ruleId: 'generic-api-key', secret: SECRETS.unicode, file: 'docs/ünïcode.md', confidence: 'medium' }),
    makeFinding({ ruleId: 'generic-api-key', secret: SECRETS.quoted, file: 'src/quote.json', before: '{"k": "', after: '"}' }),
    makeFinding({
      ruleId: 'stripe-secret-key', description: 'Stripe Secret Key', secret: SECRETS.decoded, file: 'k8s/secret.yaml',
      match: Buffer.from(`token: ${SECRETS.decoded}`).toString('base64'), decodedBy: ['base64'], commit: COMMIT,
    }),
    makeFinding({
      ruleId: 'slack-bot-token', description: 'Slack Bot Token', secret: SECRETS.inMessage, file: 'bot/run.sh',
      commit: { ...COMMIT, message: `oops: use ${SECRETS.inMessage} for now`, author: 'Robin\x1b[2J Hacker' },
    }),
    makeFinding({ ruleId: 'pkcs12-file', description: 'PKCS#12 file', secret: '', match: 'file detected: certs/store.p12', file: 'certs/store.p12', startLine: 1, startColumn: 1 }),
  ];
}

/**
 * The pieces of `secret` a report must never contain: every 8-code-unit substring (the whole secret when shorter),
 * raw and as they would appear inside a JSON string.
 */
export function forbiddenPieces(secret: string): string[] {
  if (secret === '') return [];
  const pieces = new Set<string>();
  if (secret.length < 8) pieces.add(secret);
  for (let i = 0; i + 8 <= secret.length; i++) pieces.add(secret.slice(i, i + 8));
  for (const p of [...pieces]) pieces.add(JSON.stringify(p).slice(1, -1));
  return [...pieces];
}

/** The first forbidden piece of any secret found in `output` (undefined when clean), described without the secret. */
export function findLeak(output: string, secrets: readonly string[]): string | undefined {
  const stripped = output.split('\x1b[').map((s, i) => (i === 0 ? s : s.replace(/^[0-9;]*m/, ''))).join('');
  for (const [n, secret] of secrets.entries()) {
    for (const piece of forbiddenPieces(secret)) {
      if (output.includes(piece) || stripped.includes(piece)) return `a piece of secret #${n} (length ${secret.length})`;
    }
  }
  return undefined;
}
