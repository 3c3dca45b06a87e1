/**
 * Deterministic generator of a detection-quality corpus: several realistic project trees (Node, Python, Go, Java,
 * Ruby, .NET, infrastructure, docs, CI logs, patches) with planted synthetic secrets in real formats and planted hard
 * negatives, plus a ground-truth manifest (file, line, kind). Same seed → byte-identical corpus.
 *
 * Positives:
 * - every provider rule of the built-in pack: fresh variants of each rule's own positive examples (character-class
 *   preserving mutation; checksummed formats re-checksummed with src/core/validators' primitives, then the rule's
 *   validator must accept the variant, else the example value is kept), in the example's own syntax and, for
 *   `NAME=value` examples, rewritten into YAML / JSON / code / compose / k8s syntaxes;
 * - private keys (PEM, OpenSSH, PGP, PuTTY, GCP service-account JSON), credentials in URLs / JDBC / ADO.NET strings,
 *   Authorization headers, JWTs, generic API keys and passwords in ~15 syntaxes, secret files (p12, id_rsa, …);
 * - encoded secrets: base64 (Kubernetes Secret data, docker auth, base64'd env files), percent-encoded URLs, hex.
 * Negatives: placeholders and templates, test/example-named values, UUIDs, git SHAs, lockfile integrity hashes, data
 * URIs, minified bundles, public keys and certificates, encrypted blobs (sops, Ansible Vault, encrypted keys),
 * publishable keys, checksum-invalid provider tokens, documentation tokens.
 *
 * The generator never asks the scanner whether a planted secret is found; it only uses a rule alone (no allowlists)
 * to check that a mutated provider value still has that rule's format.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { builtinConfig } from '../../src/core/config.js';
import { createScanner } from '../../src/core/scanner.js';
import type { RuleSpec } from '../../src/core/types.js';
import { base62, crc32, getValidator } from '../../src/core/validators.js';

export type Encoding = 'base64' | 'percent' | 'hex';

export interface GroundTruth {
  readonly file: string;
  /** 1-based line of the secret's first character (for path-only kinds: 1). */
  readonly line: number;
  /** e.g. `provider:github-pat`, `private-key:pem`, `generic:password`, `uri:postgres`, `file:p12`. */
  readonly kind: string;
  readonly encoded?: Encoding;
}

export interface HardNegative {
  readonly file: string;
  readonly line: number;
  readonly kind: string;
}

export interface Manifest {
  readonly seed: number;
  readonly positives: GroundTruth[];
  readonly negatives: HardNegative[];
  readonly files: string[];
  readonly bytes: number;
}

// ---------------------------------------------------------------------------------------------------------
// Deterministic randomness

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    // mulberry32
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  str(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = '0123456789abcdef';
/** Password characters that are safe inside quotes, URLs' userinfo (after percent-encoding) and shell words. */
const PW_SYMBOLS = '!#%^*-_+=~';

// ---------------------------------------------------------------------------------------------------------
// File builder: lines with ground truth attached

class FileBuilder {
  readonly lines: string[] = [];
  readonly truth: GroundTruth[] = [];
  readonly negs: HardNegative[] = [];
  constructor(readonly file: string) {}
  add(...lines: string[]): this {
    for (const l of lines) this.lines.push(...l.split('\n'));
    return this;
  }
  /** Adds `text`; the secret starts on line `offset` (0-based) of it. */
  plant(text: string, kind: string, offset = 0, encoded?: Encoding): this {
    const line = this.lines.length + 1 + offset;
    this.truth.push({ file: this.file, line, kind, ...(encoded ? { encoded } : {}) });
    return this.add(text);
  }
  neg(text: string, kind: string, offset = 0): this {
    this.negs.push({ file: this.file, line: this.lines.length + 1 + offset, kind });
    return this.add(text);
  }
  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Secret makers

class Secrets {
  constructor(private readonly r: Rng) {}
  alnum(n: number): string {
    // real tokens always mix classes; keep at least one digit, one upper and one lower
    for (;;) {
      const s = this.r.str(ALNUM, n);
      if (/[0-9]/.test(s) && /[A-Z]/.test(s) && /[a-z]/.test(s)) return s;
    }
  }
  hex(n: number): string {
    return this.r.str(HEX, n);
  }
  b64(nBytes: number): string {
    return this.r.bytes(nBytes).toString('base64');
  }
  password(n = this.r.range(12, 20)): string {
    for (;;) {
      const s = this.r.str(ALNUM + PW_SYMBOLS, n);
      if (/[0-9]/.test(s) && /[A-Z]/.test(s) && /[a-z]/.test(s) && /[^A-Za-z0-9]/.test(s) && !/^[-+=]/.test(s)) return s;
    }
  }
  /** A password without symbols that need escaping anywhere (URLs, XML, shell). */
  plainPassword(n = this.r.range(12, 20)): string {
    return this.alnum(n);
  }
  pemBody(bytes: number): string {
    return this.r.bytes(bytes).toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  }
  pem(type: 'RSA ' | 'EC ' | 'DSA ' | '', bytes = this.r.range(600, 1200)): string {
    return `-----BEGIN ${type}PRIVATE KEY-----\n${this.pemBody(bytes)}\n-----END ${type}PRIVATE KEY-----`;
  }
  openssh(): string {
    const body = Buffer.concat([Buffer.from('openssh-key-v1\0\0\0\0\x04none\0\0\0\x04none\0\0\0\0\0\0\0\x01', 'latin1'), this.r.bytes(this.r.range(300, 700))]);
    return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.toString('base64').replace(/(.{70})/g, '$1\n').trimEnd()}\n-----END OPENSSH PRIVATE KEY-----`;
  }
  jwt(payload: Record<string, unknown> = { sub: this.alnum(10), iat: 1700000000 + this.r.int(1e7), scope: 'api' }): string {
    const b = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const alg = this.r.pick(['HS256', 'RS256', 'ES256', 'HS512']);
    return `${b({ alg, typ: 'JWT' })}.${b(payload)}.${this.r.bytes(alg === 'HS512' ? 64 : 32).toString('base64url')}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Provider token variants from the pack's own examples

interface ProviderSample {
  readonly rule: RuleSpec;
  readonly text: string;
  readonly secret: string;
}

function mutateSecret(r: Rng, secret: string): string {
  // keep the prefix up to the last separator within the first 24 chars (and at least 6 chars), and the last 2 chars
  let keep = 6;
  for (let i = 0; i < Math.min(24, secret.length); i++) if (!/[A-Za-z0-9]/.test(secret[i]!)) keep = Math.max(keep, i + 1);
  const body = secret.slice(keep, secret.length - 2);
  const hexOnly = /^[0-9a-f]*$/.test(body);
  const hexUpper = /^[0-9A-F]*$/.test(body);
  let out = '';
  for (const c of body) {
    if (hexOnly && /[0-9a-f]/.test(c)) out += r.pick([...HEX]);
    else if (hexUpper && /[0-9A-F]/.test(c)) out += r.pick([...HEX.toUpperCase()]);
    else if (/[0-9]/.test(c)) out += r.pick([...DIGITS]);
    else if (/[a-z]/.test(c)) out += r.pick([...LOWER]);
    else if (/[A-Z]/.test(c)) out += r.pick([...UPPER]);
    else out += c;
  }
  return secret.slice(0, keep) + out + secret.slice(secret.length - 2);
}

/** Re-computes checksums the pack's validators check, for formats whose layout is documented there. */
function fixChecksum(validate: string | undefined, s: string): string {
  if (validate === 'github-crc32' || validate === 'npm-crc32') {
    const sep = s.lastIndexOf('_');
    const body = s.slice(sep + 1);
    if (body.length !== 36) return s;
    return s.slice(0, sep + 1) + body.slice(0, 30) + base62(crc32(body.slice(0, 30)), 6);
  }
  if (validate === 'gitlab-routable-crc32') {
    const head = s.slice(0, -7);
    return head + crc32(head).toString(36).padStart(7, '0');
  }
  return s;
}

function providerSamples(): ProviderSample[] {
  const mine = /(?:^|\/)(?:private-key|connection-strings|auth-headers|jwt|generic|files|allowlist)\.toml$/;
  const out: ProviderSample[] = [];
  for (const rule of builtinConfig().rules) {
    if (!rule.regex || mine.test(rule.origin?.file ?? '')) continue;
    for (const ex of rule.examples?.positive ?? []) {
      if (typeof ex === 'string' || ex.text.includes('\n') || !ex.text.includes(ex.secret)) continue;
      out.push({ rule, text: ex.text, secret: ex.secret });
    }
  }
  return out;
}

function providerVariant(r: Rng, sample: ProviderSample): { text: string; secret: string } {
  const { rule } = sample;
  const validator = rule.validate ? getValidator(rule.validate) : undefined;
  const alone = createScanner({ rules: [rule], allowlists: [], files: [], warnings: [] }, { maxDecodeDepth: 0 });
  for (let attempt = 0; attempt < 4; attempt++) {
    const secret = fixChecksum(rule.validate, mutateSecret(r, sample.secret));
    if (validator && !validator(secret)) continue;
    const text = sample.text.split(sample.secret).join(secret);
    const found = alone.scanBuffer(Buffer.from(text), { path: 'x' });
    if (found.some((f) => f.secret === secret)) return { text, secret };
  }
  return { text: sample.text, secret: sample.secret };
}

/** Rewrites a `NAME=value` line into other syntaxes (the value and name unchanged). */
function reshape(r: Rng, text: string, style: string): string | undefined {
  const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*["']?([^"'\s]+)["']?\s*$/.exec(text);
  if (!m) return undefined;
  const [, name, value] = m as unknown as [string, string, string];
  switch (style) {
    case 'yaml':
      return `${name}: ${r.chance(0.5) ? `"${value}"` : value}`;
    case 'json':
      return `  "${name}": "${value}",`;
    case 'python':
      return `${name} = "${value}"`;
    case 'ts':
      return `export const ${name} = '${value}';`;
    case 'compose':
      return `      - ${name}=${value}`;
    case 'shell':
      return `export ${name}="${value}"`;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Filler: ordinary code and config nobody planted secrets in

const WORDS = ['order', 'invoice', 'customer', 'payment', 'account', 'report', 'session', 'cart', 'item', 'shipment', 'user',
  'profile', 'search', 'index', 'cache', 'queue', 'event', 'metric', 'ledger', 'tenant', 'audit', 'export', 'import', 'price'];

function ident(r: Rng, style: 'camel' | 'snake' | 'pascal' = 'camel'): string {
  const a = r.pick(WORDS);
  const b = r.pick(WORDS);
  if (style === 'snake') return `${a}_${b}`;
  if (style === 'pascal') return a[0]!.toUpperCase() + a.slice(1) + b[0]!.toUpperCase() + b.slice(1);
  return a + b[0]!.toUpperCase() + b.slice(1);
}

function fillerJs(r: Rng, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = ident(r);
    const a = ident(r);
    out.push(
      `export async function ${f}(${a}, options = {}) {`,
      `  const { limit = ${r.range(10, 500)}, offset = 0 } = options;`,
      `  // ${r.pick(WORDS)} lookup keeps the ${r.pick(WORDS)} consistent with the ${r.pick(WORDS)} store`,
      `  const rows = await db.query('SELECT * FROM ${r.pick(WORDS)}s WHERE id = $1 LIMIT $2', [${a}.id, limit]);`,
      `  if (!rows.length) throw new NotFoundError(\`${r.pick(WORDS)} \${${a}.id} not found\`);`,
      `  return rows.slice(offset).map((row) => ({ ...row, ${ident(r)}: row.${ident(r, 'snake')} ?? null }));`,
      `}`,
      ``,
    );
  }
  return out.join('\n');
}

function fillerPy(r: Rng, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      `def ${ident(r, 'snake')}(${ident(r, 'snake')}, limit=${r.range(10, 500)}):`,
      `    """Return the ${r.pick(WORDS)}s of a ${r.pick(WORDS)}, newest first."""`,
      `    query = session.query(${ident(r, 'pascal')}).filter_by(${ident(r, 'snake')}=${ident(r, 'snake')})`,
      `    logger.debug("fetched %d ${r.pick(WORDS)} rows", query.count())`,
      `    return [row.to_dict() for row in query.order_by(${ident(r, 'pascal')}.created_at.desc()).limit(limit)]`,
      ``,
    );
  }
  return out.join('\n');
}

function fillerGo(r: Rng, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = ident(r, 'pascal');
    out.push(
      `func (s *Service) Get${t}(ctx context.Context, id string) (*${t}, error) {`,
      `\tvar out ${t}`,
      `\tif err := s.db.GetContext(ctx, &out, "SELECT * FROM ${ident(r, 'snake')} WHERE id = $1", id); err != nil {`,
      `\t\treturn nil, fmt.Errorf("get ${r.pick(WORDS)} %s: %w", id, err)`,
      `\t}`,
      `\treturn &out, nil`,
      `}`,
      ``,
    );
  }
  return out.join('\n');
}

function fillerJava(r: Rng, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = ident(r, 'pascal');
    out.push(
      `    public Optional<${t}> find${t}(long id) {`,
      `        log.debug("Looking up ${r.pick(WORDS)} {}", id);`,
      `        return repository.findById(id).map(${ident(r)} -> mapper.to${t}(${ident(r)}));`,
      `    }`,
      ``,
    );
  }
  return out.join('\n');
}

function fillerText(r: Rng, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const words = Array.from({ length: r.range(8, 20) }, () => r.pick([...WORDS, 'the', 'a', 'to', 'and', 'when', 'is', 'with', 'token', 'key', 'password', 'secret']));
    out.push(words.join(' ') + '.');
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// The corpus

export function generateCorpus(outDir: string, seed = 20261124): Manifest {
  const r = new Rng(seed);
  const S = new Secrets(r);
  const builders: FileBuilder[] = [];
  const binaries: { file: string; data: Buffer; kind?: string }[] = [];
  const fb = (file: string): FileBuilder => {
    const b = new FileBuilder(file);
    builders.push(b);
    return b;
  };

  // ---- provider tokens --------------------------------------------------------------------------------
  const samples = providerSamples();
  const styles = ['raw', 'yaml', 'json', 'python', 'ts', 'compose', 'shell'] as const;
  const provEnv = fb('node-app/.env.production');
  const provYaml = fb('infra/helm/values-prod.yaml');
  const provJson = fb('dotnet-api/appsettings.Production.json');
  const provPy = fb('python-service/app/settings_prod.py');
  const provTs = fb('node-app/src/config/keys.ts');
  const provCompose = fb('infra/docker-compose.prod.yml');
  const provShell = fb('infra/scripts/bootstrap.sh');
  const provLog = fb('ci-logs/deploy-1184.log');
  provYaml.add('# production values', 'replicaCount: 3', 'image:', '  tag: 1.42.0', 'config:');
  provJson.add('{', '  "Logging": { "LogLevel": { "Default": "Information" } },');
  provCompose.add('services:', '  api:', '    image: acme/api:1.42.0', '    environment:');
  provShell.add('#!/usr/bin/env bash', 'set -euo pipefail');
  provTs.add(fillerJs(r, 3));
  provPy.add('import os', '', fillerPy(r, 3));
  let n = 0;
  for (const sample of samples) {
    for (let k = 0; k < 2; k++) {
      const v = providerVariant(r, sample);
      const style = k === 0 ? 'raw' : r.pick(styles);
      const kind = `provider:${sample.rule.id}`;
      const reshaped = style === 'raw' ? undefined : reshape(r, v.text, style);
      if (!reshaped) {
        const target = r.pick([provEnv, provLog, provShell]);
        if (target === provLog) target.add(`2026-11-20T10:${String(n % 60).padStart(2, '0')}:11.${r.range(100, 999)}Z ${r.pick(['INFO', 'DEBUG'])} loaded config`);
        target.plant(v.text, kind);
      } else {
        const target = { yaml: provYaml, json: provJson, python: provPy, ts: provTs, compose: provCompose, shell: provShell }[style as 'yaml'];
        target.plant(style === 'yaml' ? '  ' + reshaped : reshaped, kind);
      }
      if (n++ % 7 === 0) provPy.add('', fillerPy(r, 1));
    }
  }
  provJson.add('  "AllowedHosts": "*"', '}');

  // ---- private keys ------------------------------------------------------------------------------------
  for (const [i, type] of (['RSA ', 'EC ', '', 'DSA '] as const).entries()) {
    fb(`infra/ansible/roles/web/files/${['server', 'ec', 'pkcs8', 'legacy-dsa'][i]}.key`).plant(S.pem(type), 'private-key:pem');
  }
  fb('infra/ssh/id_rsa').plant(S.pem('RSA '), 'private-key:pem').truth.push({ file: 'infra/ssh/id_rsa', line: 1, kind: 'file:id_rsa' });
  fb('infra/ssh/deploy_key').plant(S.openssh(), 'private-key:openssh');
  fb('infra/ssh/deploy_key.pub').neg(`ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${S.b64(24)} deploy@ci`, 'public-key:ssh');
  {
    const b = fb('go-service/internal/auth/testdata_keys.go');
    b.add('package auth', '', '// signingKey is used by the staging token issuer.');
    b.plant('const signingKey = `' + S.pem('EC ') + '`', 'private-key:pem');
    b.add('', fillerGo(r, 2));
  }
  {
    const b = fb('python-service/credentials/service-account.json');
    b.add('{', '  "type": "service_account",', '  "project_id": "orders-prod-3321",', `  "private_key_id": "${S.hex(40)}",`);
    b.plant(`  "private_key": "${S.pem('').replace(/\n/g, '\\n')}\\n",`, 'private-key:gcp-json');
    b.add(`  "client_email": "orders@orders-prod-3321.iam.gserviceaccount.com",`, `  "client_id": "${r.str(DIGITS, 21)}",`, '  "auth_uri": "https://accounts.google.com/o/oauth2/auth",', '  "token_uri": "https://oauth2.googleapis.com/token"', '}');
  }
  {
    const b = fb('infra/k8s/ingress-tls.yaml');
    b.add('apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: edge-tls', 'data:', '  tls.key: |');
    b.plant(S.pem('RSA ').split('\n').map((l) => '    ' + l).join('\n'), 'private-key:pem');
  }
  {
    const pgp = `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${S.pemBody(900)}\n=${S.alnum(4)}\n-----END PGP PRIVATE KEY BLOCK-----`;
    fb('infra/release/signing-key.asc').plant(pgp, 'private-key:pgp');
    const ppkPub = S.pemBody(51);
    fb('infra/windows/jump.ppk').plant(`PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: jump-host\nPublic-Lines: 2\n${ppkPub}\nPrivate-Lines: 1\n${S.b64(36)}\nPrivate-MAC: ${S.hex(64)}`, 'private-key:putty');
  }
  // encrypted keys, certificates, public keys: never reported
  fb('infra/certs/encrypted.key').neg(`-----BEGIN ENCRYPTED PRIVATE KEY-----\n${S.pemBody(900)}\n-----END ENCRYPTED PRIVATE KEY-----`, 'encrypted:pkcs8');
  fb('infra/certs/legacy-encrypted.pem').neg(`-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,${S.hex(32).toUpperCase()}\n\n${S.pemBody(900)}\n-----END RSA PRIVATE KEY-----`, 'encrypted:pem');
  fb('infra/certs/server.crt').neg(`-----BEGIN CERTIFICATE-----\nMIIDxTCCAq2gAwIBAgIU${S.pemBody(700)}\n-----END CERTIFICATE-----`, 'certificate');
  fb('infra/certs/server.pub.pem').neg(`-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${S.pemBody(250)}\n-----END PUBLIC KEY-----`, 'public-key:pem');
  {
    const body = Buffer.concat([Buffer.from('openssh-key-v1\0\0\0\0\x0aaes256-ctr\0\0\0\x06bcrypt', 'latin1'), r.bytes(500)]).toString('base64');
    fb('infra/ssh/encrypted_deploy_key').neg(`-----BEGIN OPENSSH PRIVATE KEY-----\n${body.replace(/(.{70})/g, '$1\n').trimEnd()}\n-----END OPENSSH PRIVATE KEY-----`, 'encrypted:openssh');
  }

  // ---- secret files (path-only) ---------------------------------------------------------------------------
  for (const [file, kind] of [['java-app/src/main/resources/keystore.p12', 'file:p12'], ['dotnet-api/certs/signing.pfx', 'file:pfx'],
    ['java-app/src/main/resources/truststore.jks', 'file:jks'], ['infra/ops/team.kdbx', 'file:kdbx']] as const) {
    // a well-formed DER header: SEQUENCE of 3 + 2000 bytes, version 3 (leakward checks it before reporting a .p12)
    binaries.push({ file, data: Buffer.concat([Buffer.from([0x30, 0x82, 0x07, 0xd3, 0x02, 0x01, 0x03]), r.bytes(2000)]), kind });
  }
  fb('infra/db/.pgpass').plant(`db.internal:5432:orders:orders_app:${S.plainPassword()}`, 'file:pgpass');
  fb('infra/nginx/.htpasswd').plant(`admin:$apr1$${S.alnum(8)}$${S.alnum(22)}`, 'file:htpasswd');
  binaries.push({ file: 'android-app/app/debug.keystore', data: r.bytes(2200) }); // well-known debug keystore: negative

  // ---- URLs and connection strings ---------------------------------------------------------------------
  {
    const env = fb('python-service/.env');
    env.add('DEBUG=false', 'LOG_LEVEL=info', 'ALLOWED_HOSTS=api.acme.io');
    env.plant(`DATABASE_URL=postgres://orders:${S.plainPassword()}@db.internal.acme.io:5432/orders`, 'uri:postgres');
    env.plant(`REDIS_URL=rediss://:${S.plainPassword(24)}@cache.acme.io:6380/0`, 'uri:redis');
    env.plant(`CELERY_BROKER_URL=amqps://worker:${S.plainPassword()}@mq.acme.io:5671/prod`, 'uri:amqp');
    env.plant(`MONGO_URL=mongodb+srv://reporting:${S.plainPassword()}@cluster0.ab12c.mongodb.net/reports?retryWrites=true`, 'uri:mongodb');
    env.neg('TEST_DATABASE_URL=postgres://postgres:postgres@localhost:5432/orders_test', 'placeholder:default-credentials');
    env.neg('SENTRY_DSN=', 'placeholder:empty');
  }
  {
    const b = fb('java-app/src/main/resources/application-prod.properties');
    b.add('server.port=8080', 'spring.jpa.hibernate.ddl-auto=validate');
    b.plant(`spring.datasource.url=jdbc:postgresql://pg.internal:5432/ledger?user=ledger&password=${S.plainPassword()}&ssl=true`, 'uri:jdbc');
    b.plant(`spring.datasource.password=${S.password()}`, 'generic:password');
    b.plant(`reporting.datasource.url=jdbc:mysql://report:${S.plainPassword()}@mysql.internal:3306/report`, 'uri:mysql');
    b.plant(`legacy.datasource.url=jdbc:oracle:thin:billing/${S.plainPassword()}@ora.internal:1521:BILL`, 'uri:jdbc');
    b.plant(`app.jwt.secret=${S.b64(48)}`, 'generic:api-key');
    b.neg('spring.datasource.username=${DB_USER}', 'placeholder:template');
    b.neg('spring.datasource.hikari.password=${DB_PASSWORD}', 'placeholder:template');
  }
  {
    const b = fb('dotnet-api/appsettings.json');
    b.add('{', '  "ConnectionStrings": {');
    b.plant(`    "Orders": "Server=tcp:orders-sql.database.windows.net,1433;Initial Catalog=Orders;User ID=orders_app;Password=${S.password()};Encrypt=True;",`, 'uri:sqlserver');
    b.neg('    "Local": "Server=(localdb)\\\\mssqllocaldb;Database=Orders;Trusted_Connection=True;"', 'no-secret:connection-string');
    b.add('  },', '  "Jwt": {');
    b.plant(`    "SigningKey": "${S.b64(32)}",`, 'generic:api-key');
    b.add('    "Issuer": "https://auth.acme.io"', '  },', '  "Smtp": {', '    "Host": "smtp.acme.io",');
    b.plant(`    "Password": "${S.password()}"`, 'generic:password');
    b.add('  }', '}');
  }
  {
    const b = fb('dotnet-api/Web.config');
    b.add('<?xml version="1.0" encoding="utf-8"?>', '<configuration>', '  <appSettings>', '    <add key="Environment" value="Production" />');
    b.plant(`    <add key="PaymentGatewayApiKey" value="${S.alnum(32)}" />`, 'generic:xml');
    b.plant(`    <add key="SmtpPassword" value="${S.plainPassword()}" />`, 'generic:xml');
    b.neg('    <add key="ApiKeyHeaderName" value="X-Api-Key" />', 'no-secret:xml');
    b.add('  </appSettings>', '  <connectionStrings>');
    b.plant(`    <add name="Crm" connectionString="Data Source=SQL02;Initial Catalog=Crm;User Id=crm;Pwd=${S.plainPassword()};" providerName="System.Data.SqlClient" />`, 'uri:sqlserver');
    b.add('  </connectionStrings>', '</configuration>');
  }
  {
    const b = fb('java-app/settings.xml');
    b.add('<settings>', '  <servers>', '    <server>', '      <id>releases</id>', '      <username>deployer</username>');
    b.plant(`      <password>${S.plainPassword()}</password>`, 'generic:xml');
    b.add('    </server>', '    <server>', '      <id>snapshots</id>', '      <username>deployer</username>');
    b.neg('      <password>${env.NEXUS_PASSWORD}</password>', 'placeholder:template');
    b.add('    </server>', '  </servers>', '</settings>');
  }

  // ---- generic secrets in many syntaxes ------------------------------------------------------------------
  const apiNames = ['API_KEY', 'SECRET_KEY', 'CLIENT_SECRET', 'AUTH_TOKEN', 'ACCESS_TOKEN', 'WEBHOOK_SECRET', 'ENCRYPTION_KEY', 'SIGNING_KEY', 'PARTNER_API_TOKEN', 'SERVICE_ACCOUNT_KEY', 'SESSION_SECRET', 'PRIVATE_KEY',
    'APIKEY', 'JWT_SECRET', 'NEXTAUTH_SECRET', 'COOKIE_SECRET', 'REFRESH_TOKEN', 'BEARER_TOKEN', 'MASTER_KEY', 'HMAC_KEY', 'CONSUMER_SECRET', 'APP_SECRET', 'SECRET_TOKEN', 'LICENSE_KEY', 'ADMIN_TOKEN', 'SECRET'];
  const camel = (s: string): string => s.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const tokenValue = (): string => r.pick([() => S.alnum(r.range(24, 48)), () => S.hex(r.pick([32, 40, 64])), () => S.b64(r.range(24, 40)).replace(/=+$/, '')])();
  const syntaxes: [string, (name: string, v: string) => string][] = [
    ['node-app/.env', (nm, v) => `${nm}=${v}`],
    ['node-app/src/integrations/partner.js', (nm, v) => `const ${camel(nm)} = '${v}';`],
    ['node-app/src/integrations/client.ts', (nm, v) => `  ${camel(nm)}: "${v}",`],
    ['python-service/app/config.py', (nm, v) => `${nm} = "${v}"`],
    ['python-service/app/clients.py', (nm, v) => `client = PartnerClient(${nm.toLowerCase()}="${v}")`],
    ['go-service/internal/config/defaults.go', (nm, v) => `\t${camel(nm)} := "${v}"`],
    ['java-app/src/main/java/com/acme/Config.java', (nm, v) => `    private static final String ${nm} = "${v}";`],
    ['ruby-app/config/initializers/partner.rb', (nm, v) => `  config.${nm.toLowerCase()} = '${v}'`],
    ['dotnet-api/Services/PartnerOptions.cs', (nm, v) => `        public string ${camel(nm)[0]!.toUpperCase() + camel(nm).slice(1)} { get; set; } = "${v}";`],
    ['php-site/config/services.php', (nm, v) => `    '${nm.toLowerCase()}' => '${v}',`],
    ['infra/terraform/main.tf', (nm, v) => `  ${nm.toLowerCase()} = "${v}"`],
    ['infra/k8s/configmap.yaml', (nm, v) => `  ${nm}: "${v}"`],
    ['infra/ansible/group_vars/prod.yml', (nm, v) => `${nm.toLowerCase()}: ${v}`],
    ['node-app/config/production.json', (nm, v) => `  "${camel(nm)}": "${v}",`],
    ['infra/scripts/deploy.sh', (nm, v) => `export ${nm}="${v}"`],
    ['python-service/setup.cfg', (nm, v) => `${nm.toLowerCase()} = ${v}`],
    ['java-app/gradle.properties', (nm, v) => `${camel(nm)}=${v}`],
    ['php-site/wp-config.php', (nm, v) => `define( '${nm}', '${v}' );`],
    ['node-app/Dockerfile', (nm, v) => `ARG ${nm}=${v}`],
    ['go-service/Makefile', (nm, v) => `${nm} ?= ${v}`],
    ['.github/workflows/nightly.yml', (nm, v) => `      ${nm}: ${v}`],
    ['rust-cli/src/main.rs', (nm, v) => `    let ${nm.toLowerCase()} = "${v}";`],
    ['android-app/app/src/main/java/com/acme/Api.kt', (nm, v) => `    val ${camel(nm)}: String = "${v}"`],
    ['ios-app/Sources/Config.swift', (nm, v) => `    static let ${camel(nm)} = "${v}"`],
    ['infra/terraform/prod.tfvars', (nm, v) => `${nm.toLowerCase()} = "${v}"`],
    ['python-service/app/tasks.py', (nm, v) => `    headers = {"${nm.replace(/_/g, '-')}": "${v}"}`],
    ['ruby-app/config/settings.rb', (nm, v) => `  :${nm.toLowerCase()} => "${v}",`],
    ['node-app/config/default.yaml', (nm, v) => `  ${camel(nm)}: '${v}'`],
    ['python-service/app/db.py', (nm, v) => `os.environ.setdefault("${nm}", "${v}")`],
    ['dotnet-api/Startup.cs', (nm, v) => `            { "${nm}", "${v}" },`],
    ['go-service/cmd/server/main.go', (nm, v) => `		${camel(nm)[0]!.toUpperCase() + camel(nm).slice(1)}: "${v}",`],
    ['infra/scripts/smoke.sh', (nm, v) => `curl -fsS -H "X-${nm.split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join('-')}: ${v}" https://api.acme.io/health`],
    ['java-app/src/main/resources/application.yml', (nm, v) => `    ${nm.toLowerCase().replace(/_/g, '-')}: ${v}`],
  ];
  const pwNames = ['DB_PASSWORD', 'SMTP_PASSWORD', 'ADMIN_PASSWORD', 'REDIS_PASSWORD', 'LDAP_BIND_PASSWORD', 'KEYSTORE_PASSWORD', 'RABBITMQ_PASS', 'MAIL_PASS', 'PASSWORD', 'DB_PASS', 'ENCRYPTION_PASSPHRASE', 'SFTP_PASSWD', 'ROOT_PASSWORD'];
  for (const [file, fmt] of syntaxes) {
    const b = fb(file);
    if (file.endsWith('.js') || file.endsWith('.ts')) b.add(fillerJs(r, 2));
    if (file.endsWith('.py')) b.add(fillerPy(r, 2));
    if (file.endsWith('.go')) b.add('package config', '', 'func defaults() {', fillerGo(r, 0));
    if (file.endsWith('.java')) b.add('package com.acme;', '', 'public final class Config {', fillerJava(r, 2));
    for (let i = 0; i < 3; i++) b.plant(fmt(r.pick(apiNames), tokenValue()), 'generic:api-key');
    for (let i = 0; i < 2; i++) b.plant(fmt(r.pick(pwNames), S.password()), 'generic:password');
    // hard negatives in the same syntax
    b.neg(fmt('API_KEY', r.pick(['YOUR_API_KEY', 'your-api-key-here', '<api-key>', 'xxxxxxxxxxxxxxxxxxxxxxxx', 'changeme', '${API_KEY}'])), 'placeholder:value');
    b.neg(fmt(r.pick(['EXAMPLE_API_KEY', 'TEST_TOKEN', 'DUMMY_SECRET', 'FAKE_ACCESS_TOKEN', 'SAMPLE_CLIENT_SECRET']), S.alnum(32)), 'placeholder:test-name');
    b.neg(fmt(r.pick(['REQUEST_ID', 'TENANT_ID', 'CORRELATION_ID']), `${S.hex(8)}-${S.hex(4)}-4${S.hex(3)}-a${S.hex(3)}-${S.hex(12)}`), 'uuid');
    b.neg(fmt(r.pick(['COMMIT_SHA', 'BUILD_REVISION', 'CHECKSUM']), S.hex(40)), 'hex-hash');
    b.neg(fmt('DB_PASSWORD', r.pick(['password', 'changeme', 'postgres', 'P@ssw0rd', 'secret', '********'])), 'placeholder:password');
    if (file.endsWith('.js') || file.endsWith('.ts')) b.neg(`const apiKey = process.env.PARTNER_API_KEY;`, 'placeholder:env-read');
    if (file.endsWith('.py')) b.neg(`SECRET_KEY = os.environ["SECRET_KEY"]`, 'placeholder:env-read');
    if (file.endsWith('.java')) b.add('}');
  }
  {
    const b = fb('infra/k8s/deployment.yaml');
    b.add('apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: orders-api', 'spec:', '  template:', '    spec:', '      containers:', '        - name: api', '          image: acme/orders:1.42.0', '          env:');
    b.add('            - name: LOG_LEVEL', '              value: "info"');
    b.plant(`            - name: DB_PASSWORD\n              value: "${S.password()}"`, 'generic:name-value', 1);
    b.neg('            - name: STRIPE_SECRET_KEY\n              valueFrom:\n                secretKeyRef: {name: stripe, key: secret}', 'placeholder:secret-ref', 0);
    b.neg(`            - name: API_TOKEN\n              value: "$(API_TOKEN)"`, 'placeholder:template', 1);
  }
  {
    const b = fb('infra/terraform/variables.tf');
    b.plant(`variable "admin_password" {\n  type    = string\n  default = "${S.password()}"\n}`, 'generic:name-value', 2);
    b.neg(`variable "db_password" {\n  type      = string\n  sensitive = true\n}`, 'no-secret:tf-variable');
  }
  {
    const b = fb('infra/helm/templates/secret.yaml');
    b.neg('apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-db\nstringData:\n  password: {{ .Values.db.password | quote }}\n  apiKey: {{ required "apiKey" .Values.apiKey }}', 'placeholder:helm', 5);
  }
  {
    const b = fb('.github/workflows/deploy.yml');
    b.add('name: deploy', 'on: { push: { branches: [main] } }', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    steps:', '      - uses: actions/checkout@v4', '      - uses: actions/cache@v4', '        with:', '          path: ~/.npm');
    b.neg("          key: ${{ runner.os }}-node-${{ hashFiles('**/package-lock.json') }}", 'placeholder:gha');
    b.add('      - run: npm ci && npm run deploy', '        env:');
    b.neg('          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}', 'placeholder:gha');
    b.neg('          DEPLOY_KEY: ${{ secrets.DEPLOY_KEY }}', 'placeholder:gha');
    b.plant(`      - run: curl -fsS -H "Authorization: Bearer ${S.alnum(40)}" https://deploy.acme.io/hooks/orders`, 'auth:bearer');
  }
  {
    const b = fb('docs/api.md');
    b.add('# Partner API', '', 'Authenticate every request with a bearer token:', '', '```bash');
    b.neg('curl -H "Authorization: Bearer <YOUR_TOKEN>" https://api.acme.io/v1/orders', 'placeholder:doc');
    b.neg('curl -H "Authorization: Bearer $ACME_TOKEN" https://api.acme.io/v1/orders', 'placeholder:doc');
    b.neg('curl -u user:password https://api.acme.io/v1/orders', 'placeholder:doc');
    b.add('```', '', fillerText(r, 6), '', '```bash');
    b.plant(`curl -u ops:${S.plainPassword()} https://internal.acme.io/admin/reindex`, 'auth:curl-user');
    b.plant(`curl -H 'Authorization: Basic ${Buffer.from(`ci-bot:${S.plainPassword()}`).toString('base64')}' https://nexus.acme.io/service/rest/v1/status`, 'auth:basic');
    b.add('```', '', 'Example response token (from jwt.io):', '');
    b.neg('    eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c', 'doc:jwt-io');
    b.neg('    AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE', 'doc:aws-example');
    b.neg('    AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'doc:aws-example');
    b.neg('    DATABASE_URL=postgres://user:password@localhost:5432/mydb', 'doc:placeholder-url');
    b.neg('    git clone git@github.com:acme/orders.git', 'doc:git-ssh');
    b.add(fillerText(r, 10));
  }
  {
    const b = fb('node-app/src/api/http.ts');
    b.add(fillerJs(r, 2));
    b.neg('  headers: { Authorization: `Bearer ${token}` },', 'placeholder:code-template');
    b.neg("  headers['Authorization'] = 'Bearer ' + accessToken;", 'placeholder:code-concat');
    b.plant(`  const serviceToken = "${S.jwt({ sub: 'orders-svc', role: 'service', iat: 1718000000 })}";`, 'jwt');
    b.plant(`  axios.defaults.headers.common['Authorization'] = 'Bearer ${S.alnum(32)}';`, 'auth:bearer');
    b.neg(`  const anonKey = "${S.jwt({ iss: 'supabase', ref: 'abcdefghijklmnop', role: 'anon', iat: 1700000000, exp: 2000000000 })}";`, 'publishable:supabase-anon');
    b.add(fillerJs(r, 2));
  }
  {
    const b = fb('node-app/src/firebase.ts');
    b.add('const firebaseConfig = {');
    b.neg(`  projectId: "orders-web-${r.range(1000, 9999)}",`, 'publishable:firebase');
    b.neg(`  appId: "1:${r.str(DIGITS, 12)}:web:${S.hex(22)}",`, 'publishable:firebase');
    b.add('};');
    b.neg(`const stripe = Stripe("pk_live_${S.alnum(99)}");`, 'publishable:stripe');
    b.neg(`const ALGOLIA_SEARCH_ONLY_KEY = "${S.hex(32)}";`, 'publishable:algolia');
  }
  {
    const b = fb('ruby-app/config/credentials.yml.enc.sops.yaml');
    b.neg(`secret_key_base: ENC[AES256_GCM,data:${S.b64(60)},iv:${S.b64(32)},tag:${S.b64(16)},type:str]`, 'encrypted:sops');
    b.neg(`stripe_api_key: ENC[AES256_GCM,data:${S.b64(30)},iv:${S.b64(32)},tag:${S.b64(16)},type:str]`, 'encrypted:sops');
    b.add('sops:', '    kms: []', `    lastmodified: "2026-10-01T10:00:00Z"`, `    mac: ENC[AES256_GCM,data:${S.b64(60)},iv:${S.b64(32)},tag:${S.b64(16)},type:str]`, '    version: 3.8.1');
  }
  {
    const b = fb('infra/ansible/group_vars/vault.yml');
    const lines = Array.from({ length: 8 }, () => '          ' + S.hex(80)).join('\n');
    b.neg(`db_password: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n${lines}`, 'encrypted:ansible-vault');
  }
  {
    const b = fb('ruby-app/config/secrets.yml');
    b.add('development:');
    b.neg('  secret_key_base: <%= ENV.fetch("DEV_SECRET_KEY_BASE") %>', 'placeholder:erb', 0);
    b.add('production:');
    b.neg('  secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>', 'placeholder:erb');
    b.plant(`  stripe_webhook_secret: ${S.alnum(32)}`, 'generic:api-key');
  }
  {
    const b = fb('infra/scripts/db-backup.sh');
    b.add('#!/bin/sh', 'set -e');
    b.plant(`mysqldump -h db.internal -u backup -p${S.plainPassword()} --all-databases | gzip > /backups/all.sql.gz`, 'cli:mysql');
    b.plant(`vault-sync push --token ${S.alnum(32)} --env prod`, 'cli:flag');
    b.neg('mysql -u root -p"$MYSQL_ROOT_PASSWORD" -e "SELECT 1"', 'placeholder:shell-var');
    b.neg('docker login -u "$REGISTRY_USER" --password-stdin registry.acme.io', 'placeholder:stdin');
  }
  {
    const b = fb('infra/netrc/.netrc');
    b.plant(`machine api.heroku.com\n  login ops@acme.io\n  password ${S.plainPassword()}`, 'netrc', 2);
  }
  {
    const b = fb('node-app/.git-credentials');
    b.plant(`https://deploy-bot:${S.plainPassword(20)}@git.acme.io`, 'uri:credentials');
  }
  {
    const b = fb('go-service/config/jwks.json');
    b.plant(`{"keys":[{"kty":"EC","crv":"P-256","x":"${r.bytes(32).toString('base64url')}","y":"${r.bytes(32).toString('base64url')}","d":"${r.bytes(32).toString('base64url')}"}]}`, 'private-key:jwk');
    fb('go-service/config/jwks-public.json').neg(`{"keys":[{"kty":"EC","crv":"P-256","x":"${r.bytes(32).toString('base64url')}","y":"${r.bytes(32).toString('base64url')}","use":"sig"}]}`, 'public-key:jwk');
  }

  {
    const b = fb('infra/db/migrations/0003_roles.sql');
    b.add('-- roles for the reporting service', 'BEGIN;');
    b.plant(`CREATE USER reporting WITH PASSWORD '${S.plainPassword()}';`, 'generic:password');
    b.plant(`CREATE USER 'etl'@'%' IDENTIFIED BY '${S.plainPassword()}';`, 'generic:password');
    b.neg("CREATE USER app WITH PASSWORD 'changeme';", 'placeholder:password');
    b.add('GRANT SELECT ON ALL TABLES IN SCHEMA public TO reporting;', 'COMMIT;');
  }
  {
    const b = fb('infra/terraform/terraform.tfstate');
    b.add('{', '  "version": 4,', '  "terraform_version": "1.7.5",', '  "outputs": {', '    "db_password": {');
    b.plant(`      "value": "${S.password()}",`, 'generic:tfstate');
    b.add('      "type": "string",', '      "sensitive": true', '    }', '  },', '  "resources": [', '    {', '      "type": "aws_db_instance",', '      "instances": [', '        {', '          "attributes": {');
    b.plant(`            "password": "${S.password()}",`, 'generic:password');
    b.add(`            "arn": "arn:aws:rds:eu-west-1:${r.str(DIGITS, 12)}:db:orders",`, `            "resource_id": "db-${S.alnum(26).toUpperCase()}"`, '          }', '        }', '      ]', '    }', '  ]', '}');
  }
  {
    const b = fb('node-app/.npmrc');
    b.add('registry=https://registry.npmjs.org/');
    b.plant(`//npm.acme.io/:_authToken=${S.hex(8)}-${S.hex(4)}-${S.hex(4)}-${S.hex(4)}-${S.hex(12)}`, 'generic:npmrc');
    b.neg('//registry.npmjs.org/:_authToken=${NPM_TOKEN}', 'placeholder:template');
  }
  {
    const b = fb('python-service/.pypirc');
    b.add('[distutils]', 'index-servers = internal', '', '[internal]', 'repository = https://pypi.acme.io/simple', 'username = ci');
    b.plant(`password = ${S.password()}`, 'generic:password');
  }
  {
    // checksum-invalid / truncated provider tokens: not secrets
    const b = fb('docs/token-formats.md');
    b.add('# Token formats we accept', '');
    for (const smp of samples.filter((x) => x.rule.validate === 'github-crc32' || x.rule.validate === 'npm-crc32').slice(0, 4)) {
      const bad = mutateSecret(r, smp.secret);
      if (smp.rule.validate && getValidator(smp.rule.validate)?.(bad)) continue;
      b.neg(`- example (invalid checksum): \`${bad}\``, 'invalid-checksum');
    }
    b.add(fillerText(r, 30));
  }

  {
    // assorted real-world syntaxes (one planted secret per line)
    const b = fb('python-service/app/legacy/misc_settings.py');
    const k = (): string => S.alnum(r.range(20, 40));
    const p = (): string => S.plainPassword();
    const lines: [string, string][] = [
      [`app.config['SECRET_KEY'] = '${k()}'`, 'generic:api-key'],
      [`DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'PASSWORD': '${p()}'}}`, 'generic:password'],
      [`os.environ.setdefault("PARTNER_API_TOKEN", "${k()}")`, 'generic:api-key'],
      [`token = os.getenv("PARTNER_TOKEN", "${k()}")`, 'generic:api-key'],
      [`r = requests.get(url, auth=("reporter", "${p()}"))`, 'generic:password'],
      [`session.headers.update({"X-Auth-Token": "${k()}"})`, 'generic:api-key'],
      [`SENDGRID_KEY = b"${k()}"`, 'generic:api-key'],
      [`conn = psycopg2.connect(host="db.internal", user="etl", password="${p()}")`, 'generic:password'],
    ];
    for (const [l, kind] of lines) b.plant(l, kind);
    const j = fb('java-app/src/main/java/com/acme/MailConfig.java');
    j.add('package com.acme;', '', 'class MailConfig {', '  void init(Properties props) {');
    j.plant(`    props.setProperty("mail.smtp.password", "${p()}");`, 'generic:password');
    j.plant(`    System.setProperty("javax.net.ssl.keyStorePassword", "${p()}");`, 'generic:password');
    j.plant(`    Authenticator auth = new PasswordAuthentication("mailer", "${p()}");`, 'generic:password');
    j.add('  }', '}');
    const c = fb('dotnet-api/Program.cs');
    c.plant(`builder.Services.Configure<PartnerOptions>(o => { o.ClientSecret = "${k()}"; });`, 'generic:api-key');
    c.plant(`var cred = new NetworkCredential("svc-orders", "${p()}");`, 'generic:password');
    c.plant(`Environment.SetEnvironmentVariable("PARTNER_API_KEY", "${k()}");`, 'generic:api-key');
    const g = fb('go-service/internal/partner/client.go');
    g.add('package partner', '', 'func newRequest() {');
    g.plant(`	req.SetBasicAuth("ci", "${p()}")`, 'generic:password');
    g.plant(`	req.Header.Set("X-Api-Key", "${k()}")`, 'generic:api-key');
    g.plant(`	os.Setenv("PARTNER_SECRET", "${k()}")`, 'generic:api-key');
    g.add('}');
    const ps = fb('infra/scripts/setup.ps1');
    ps.plant(`$env:PARTNER_API_KEY = "${k()}"`, 'generic:api-key');
    ps.plant(`$SecurePassword = ConvertTo-SecureString "${p()}" -AsPlainText -Force`, 'generic:password');
    const rb = fb('ruby-app/config/initializers/mailer.rb');
    rb.plant(`ActionMailer::Base.smtp_settings = { user_name: "apikey", password: "${p()}", address: "smtp.sendgrid.net" }`, 'generic:password');
    rb.plant(`Partner.api_key = ENV.fetch("PARTNER_API_KEY") { "${k()}" }`, 'generic:api-key');
    const redis = fb('infra/redis/redis.conf');
    redis.add('bind 0.0.0.0', 'port 6379');
    redis.plant(`requirepass ${p()}`, 'generic:password');
    const y = fb('infra/monitoring/alertmanager.yml');
    y.add('global:', '  smtp_smarthost: smtp.acme.io:587', '  smtp_from: alerts@acme.io', '  smtp_auth_username: alerts@acme.io');
    y.plant(`  smtp_auth_password: ${p()}`, 'generic:password');
    y.add('receivers:', '  - name: pager', '    pagerduty_configs:');
    y.plant(`      - routing_key: ${S.hex(32)}`, 'generic:api-key');
    y.add('  - name: slack', '    slack_configs:', '      - channel: "#alerts"');
  }

  // ---- encoded secrets ------------------------------------------------------------------------------------
  {
    const b = fb('infra/k8s/secret.yaml');
    b.add('apiVersion: v1', 'kind: Secret', 'metadata:', '  name: orders', 'type: Opaque', 'data:');
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    b.plant(`  DATABASE_URL: ${b64(`postgresql://orders:${S.plainPassword()}@pg.internal:5432/orders`)}`, 'uri:postgres', 0, 'base64');
    const gh = samples.find((s) => s.rule.id.startsWith('github'));
    if (gh) {
      const v = providerVariant(r, gh);
      b.plant(`  GITHUB_TOKEN: ${b64(v.secret)}`, `provider:${gh.rule.id}`, 0, 'base64');
    }
    b.plant(`  tls.key: ${b64(S.pem('RSA ') + '\n')}`, 'private-key:pem', 0, 'base64');
    b.plant(`  token: ${b64(S.jwt())}`, 'jwt', 0, 'base64');
    b.plant(`  SMTP_URL: ${b64(`smtp://alerts:${S.plainPassword()}@smtp.acme.io:587`)}`, 'uri:credentials', 0, 'base64');
    b.plant(`  config.json: ${b64(JSON.stringify({ auths: {}, partner: { apiKey: S.alnum(32) } }))}`, 'generic:api-key', 0, 'base64');
    b.plant(`  id_ed25519: ${b64(S.openssh() + '\n')}`, 'private-key:openssh', 0, 'base64');
    for (const s of r.pick([samples.slice(0, 40), samples.slice(40, 80), samples.slice(80)]).slice(0, 6)) {
      const v = providerVariant(r, s);
      b.plant(`  ${s.rule.id.toUpperCase().replace(/-/g, '_')}: ${b64(v.text)}`, `provider:${s.rule.id}`, 0, 'base64');
    }
  }
  {
    const b = fb('infra/docker/config.json');
    b.add('{', '  "auths": {', '    "registry.acme.io": {');
    b.plant(`      "auth": "${Buffer.from(`ci:${S.plainPassword()}`).toString('base64')}"`, 'encoded:docker-auth', 0, 'base64');
    b.add('    }', '  }', '}');
  }
  {
    const b = fb('ci-logs/build-2291.log');
    for (let i = 0; i < 60; i++) b.add(`2026-11-21T08:${String(i).padStart(2, '0')}:0${i % 10}.${r.range(100, 999)}Z ##[group]Run npm ci`, `added ${r.range(100, 900)} packages in ${r.range(2, 40)}s`, `Resolved https://registry.npmjs.org/${r.pick(WORDS)}/-/${r.pick(WORDS)}-1.${r.range(0, 9)}.${r.range(0, 9)}.tgz (sha512-${S.b64(64)})`, `HEAD is now at ${S.hex(40)} Merge pull request #${r.range(100, 999)} from acme/${r.pick(WORDS)}`, `digest: sha256:${S.hex(64)} size: ${r.range(1000, 9000)}`);
    const pct = encodeURIComponent(`postgres://migrator:${S.plainPassword()}@db.internal:5432/orders`);
    b.plant(`2026-11-21T08:59:59.001Z GET /admin/connect?dsn=${pct} 302`, 'uri:postgres', 0, 'percent');
    const hexed = Buffer.from(`API_TOKEN=${S.alnum(32)}`).toString('hex');
    b.plant(`2026-11-21T09:00:00.002Z payload=${hexed}`, 'generic:api-key', 0, 'hex');
    const b64env = Buffer.from(`AWS_REGION=eu-west-1\nSMTP_PASSWORD=${S.password()}\n`).toString('base64');
    b.plant(`2026-11-21T09:00:01.003Z env_b64=${b64env}`, 'generic:password', 0, 'base64');
    b.neg(`2026-11-21T09:00:02.004Z uploaded avatar data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk${S.b64(60)}`, 'data-uri');
  }
  {
    const b = fb('node-app/src/redirect.js');
    const pw = S.plainPassword();
    b.plant(`const legacyDsn = decodeURIComponent("${encodeURIComponent(`mysql://report:${pw}@mysql.internal:3306/report`)}");`, 'uri:mysql', 0, 'percent');
    b.plant(`const callback = "https://app.acme.io/cb?state=${encodeURIComponent(JSON.stringify({ access_token: S.jwt() }))}";`, 'jwt', 0, 'percent');
    b.plant(`const hexKey = "${Buffer.from(`-----BEGIN EC PRIVATE KEY-----\n${S.pemBody(120)}\n-----END EC PRIVATE KEY-----\n`).toString('hex')}";`, 'private-key:pem', 0, 'hex');
    for (const smp of samples.slice(0, 200).filter((_, i) => i % 25 === 0)) {
      const v = providerVariant(r, smp);
      b.plant(`export const blob${r.range(100, 999)} = "${Buffer.from(v.text).toString('base64')}";`, `provider:${smp.rule.id}`, 0, 'base64');
      b.plant(`export const hex${r.range(100, 999)} = "${Buffer.from(v.text).toString('hex')}";`, `provider:${smp.rule.id}`, 0, 'hex');
    }
  }

  // ---- patches -----------------------------------------------------------------------------------------------
  {
    const b = fb('patches/0007-add-partner-client.patch');
    b.add('From 4f1c2a9 Mon Sep 17 00:00:00 2001', 'From: Dev <dev@acme.io>', 'Subject: [PATCH] add partner client', '', '---', ' src/partner.py | 6 ++++++', '', 'diff --git a/src/partner.py b/src/partner.py', 'new file mode 100644', `index 0000000..${S.hex(7)}`, '--- /dev/null', '+++ b/src/partner.py', '@@ -0,0 +1,6 @@', '+import requests', '+');
    b.plant(`+PARTNER_API_KEY = "${S.alnum(40)}"`, 'generic:api-key');
    b.plant(`+PARTNER_DB = "postgresql://partner:${S.plainPassword()}@partner-db.acme.io/partner"`, 'uri:postgres');
    b.neg('+PARTNER_URL = "https://api.partner.io/v2"', 'no-secret');
    b.add('+def client():', '+    return requests.Session()');
  }

  // ---- big ordinary files: lockfiles, bundles, source ----------------------------------------------------
  {
    const b = fb('node-app/package-lock.json');
    b.add('{', '  "name": "orders-web",', '  "lockfileVersion": 3,', '  "packages": {');
    for (let i = 0; i < 900; i++) {
      const name = `${r.pick(WORDS)}-${r.pick(WORDS)}${i}`;
      b.add(`    "node_modules/${name}": {`, `      "version": "${r.range(0, 9)}.${r.range(0, 20)}.${r.range(0, 30)}",`, `      "resolved": "https://registry.npmjs.org/${name}/-/${name}-1.0.0.tgz",`);
      if (i % 50 === 0) b.neg(`      "integrity": "sha512-${S.b64(64)}",`, 'lockfile-integrity');
      else b.add(`      "integrity": "sha512-${S.b64(64)}",`);
      b.add('      "dev": true', '    },');
    }
    b.add('  }', '}');
  }
  {
    const b = fb('go-service/go.sum');
    for (let i = 0; i < 600; i++) {
      const mod = `github.com/${r.pick(WORDS)}/${r.pick(WORDS)}-${r.pick(['api', 'key', 'token', 'auth', 'client'])}`;
      b.add(`${mod} v1.${r.range(0, 20)}.${r.range(0, 9)} h1:${S.b64(32)}`, `${mod} v1.${r.range(0, 20)}.${r.range(0, 9)}/go.mod h1:${S.b64(32)}`);
    }
  }
  {
    const b = fb('ruby-app/Gemfile.lock');
    b.add('GEM', '  remote: https://rubygems.org/', '  specs:');
    for (let i = 0; i < 400; i++) b.add(`    ${r.pick(WORDS)}-${r.pick(WORDS)} (${r.range(0, 9)}.${r.range(0, 20)}.${r.range(0, 9)})`);
    b.add('', 'CHECKSUMS');
    for (let i = 0; i < 400; i++) b.add(`  ${r.pick(WORDS)}-${r.pick(WORDS)} (${r.range(0, 9)}.${r.range(0, 20)}) sha256=${S.hex(64)}`);
  }
  {
    const b = fb('node-app/dist/bundle.min.js');
    for (let i = 0; i < 400; i++) {
      let line = '';
      for (let j = 0; j < 12; j++) {
        const v = r.str(LOWER, 1) + r.str(ALNUM, r.range(0, 2));
        line += r.pick([
          `var ${v}=function(e,t){return e&&t?${v}(e.${r.str(LOWER, 2)},t):null};`,
          `${v}.prototype.${ident(r)}=function(){return this._${r.str(LOWER, 3)}};`,
          `"${S.alnum(r.range(8, 22))}"===${v}&&(${v}=${r.range(0, 999)});`,
          `${v}.key="${ident(r)}",${v}.token=n.token||o.token;`,
        ]);
      }
      if (i % 40 === 0) b.neg(line, 'minified');
      else b.add(line);
    }
    b.neg(`//# sourceMappingURL=data:application/json;base64,${S.b64(900)}`, 'data-uri');
  }
  for (const [file, fill] of [['python-service/app/services.py', () => fillerPy(r, 900)], ['go-service/internal/orders/service.go', () => fillerGo(r, 800)],
    ['java-app/src/main/java/com/acme/OrderService.java', () => fillerJava(r, 1200)], ['node-app/src/services/orders.js', () => fillerJs(r, 900)],
    ['docs/architecture.md', () => fillerText(r, 3000)], ['node-app/src/services/billing.ts', () => fillerJs(r, 900)], ['ruby-app/app/models/order.rb', () => fillerPy(r, 600)]] as const) {
    const b = fb(file);
    b.add(fill());
    b.neg(`# request ${S.hex(8)}-${S.hex(4)}-4${S.hex(3)}-b${S.hex(3)}-${S.hex(12)} took 12ms`, 'uuid');
  }

  // ---- write ------------------------------------------------------------------------------------------------
  rmSync(outDir, { recursive: true, force: true });
  let bytes = 0;
  const files: string[] = [];
  const positives: GroundTruth[] = [];
  const negatives: HardNegative[] = [];
  for (const b of builders) {
    const text = b.text();
    const full = path.join(outDir, b.file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, text);
    bytes += Buffer.byteLength(text);
    files.push(b.file);
    positives.push(...b.truth);
    negatives.push(...b.negs);
  }
  for (const { file, data, kind } of binaries) {
    const full = path.join(outDir, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, data);
    bytes += data.length;
    files.push(file);
    if (kind) positives.push({ file, line: 1, kind });
    else negatives.push({ file, line: 1, kind: 'file:debug-keystore' });
  }
  const manifest: Manifest = { seed, positives, negatives, files: files.sort(), bytes };
  writeFileSync(path.join(path.dirname(outDir), `${path.basename(outDir)}-manifest.json`), JSON.stringify(manifest, null, 1));
  return manifest;
}
