/**
 * Independent detection-quality corpus #2 (written without reading bench/quality/generate.ts, on purpose).
 *
 * Builds a tree of realistic project files (Node, Python, Go, Java/Spring, Ruby/Rails, .NET, infrastructure, CI,
 * docs, lockfiles, logs, patches) with planted synthetic secrets in real provider formats and planted hard negatives,
 * and a manifest of (file, line, kind, encoded). Deterministic for a given seed; no network; every value is fake.
 *
 * Matching model (the judge's): a finding counts by (file, startLine). A planted secret is found when any finding
 * starts on its line; a finding on any other line is a false positive.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, base62 } from '../../src/core/validators.js';

export interface Planted {
  readonly file: string;
  readonly line: number;
  readonly kind: string;
  readonly encoded: boolean;
}
export interface HardNegative {
  readonly file: string;
  readonly line: number;
  readonly kind: string;
}
export interface Corpus {
  readonly root: string;
  readonly files: number;
  readonly bytes: number;
  readonly secrets: Planted[];
  readonly negatives: HardNegative[];
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
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  str(alphabet: string, n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[this.int(alphabet.length)]!;
    return out;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

const UP = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LO = 'abcdefghijklmnopqrstuvwxyz';
const DIG = '0123456789';
const ALNUM = UP + LO + DIG;
const HEX = '0123456789abcdef';
const B64 = ALNUM + '+/';

/** A random string over `alphabet` that has at least one digit, one upper and one lower letter when the alphabet allows. */
function mixed(r: Rng, alphabet: string, n: number): string {
  for (;;) {
    const s = r.str(alphabet, n);
    const hasD = !alphabet.includes('0') || [...s].some((c) => DIG.includes(c));
    const hasU = !alphabet.includes('A') || [...s].some((c) => UP.includes(c));
    const hasL = !alphabet.includes('a') || [...s].some((c) => LO.includes(c));
    if (hasD && hasU && hasL) return s;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Secret makers (real formats, synthetic values)

function ghClassic(r: Rng, prefix: string): string {
  const body = mixed(r, ALNUM, 30);
  return `${prefix}${body}${base62(crc32(body), 6)}`;
}
function ghBadChecksum(r: Rng): string {
  const body = mixed(r, ALNUM, 30);
  const good = base62(crc32(body), 6);
  const bad = good.slice(0, 5) + (good[5] === 'a' ? 'b' : 'a');
  return `ghp_${body}${bad}`;
}
function npmToken(r: Rng): string {
  const body = mixed(r, ALNUM, 30);
  return `npm_${body}${base62(crc32(body), 6)}`;
}
function npmBadChecksum(r: Rng): string {
  const body = mixed(r, ALNUM, 30);
  const good = base62(crc32(body), 6);
  return `npm_${body}${good.slice(0, 5)}${good[5] === 'Z' ? 'Y' : 'Z'}`;
}
const awsKeyId = (r: Rng): string => 'AKIA' + r.str('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16);
const awsSecret = (r: Rng): string => mixed(r, B64, 40);
const ghFine = (r: Rng): string => `github_pat_11${r.str(UP + DIG, 20)}_${mixed(r, ALNUM + '_', 59)}`;
const glpat = (r: Rng): string => `glpat-${mixed(r, ALNUM + '-_', 20)}`;
const slackBot = (r: Rng): string => `xoxb-${r.str(DIG, 12)}-${r.str(DIG, 13)}-${mixed(r, ALNUM, 24)}`;
const slackUser = (r: Rng): string => `xoxp-${r.str(DIG, 12)}-${r.str(DIG, 12)}-${r.str(DIG, 13)}-${r.str(HEX, 32)}`;
const slackHook = (r: Rng): string =>
  `https://hooks.slack.com/services/T${r.str(UP + DIG, 10)}/B${r.str(UP + DIG, 10)}/${mixed(r, ALNUM, 24)}`;
const stripeSecret = (r: Rng): string => `sk_live_51${mixed(r, ALNUM, 97)}`;
const stripeRestricted = (r: Rng): string => `rk_live_51${mixed(r, ALNUM, 97)}`;
const stripePublishable = (r: Rng): string => `pk_live_51${mixed(r, ALNUM, 97)}`;
const stripeWebhook = (r: Rng): string => `whsec_${mixed(r, ALNUM, 32)}`;
const openaiProj = (r: Rng): string => `sk-proj-${mixed(r, ALNUM + '-_', 74)}T3BlbkFJ${mixed(r, ALNUM + '-_', 74)}`;
const anthropic = (r: Rng): string => `sk-ant-api03-${mixed(r, ALNUM + '-_', 93)}AA`;
const googleApi = (r: Rng): string => `AIza${mixed(r, ALNUM + '-_', 35)}`;
const sendgrid = (r: Rng): string => `SG.${mixed(r, ALNUM + '-_', 22)}.${mixed(r, ALNUM + '-_', 43)}`;
const twilioKey = (r: Rng): string => `SK${r.str(HEX, 32)}`;
const hex32 = (r: Rng): string => r.str(HEX, 32);
const mailchimp = (r: Rng): string => `${r.str(HEX, 32)}-us${1 + r.int(20)}`;
const uuid = (r: Rng): string =>
  `${r.str(HEX, 8)}-${r.str(HEX, 4)}-4${r.str(HEX, 3)}-${r.pick(['8', '9', 'a', 'b'])}${r.str(HEX, 3)}-${r.str(HEX, 12)}`;
const shopify = (r: Rng): string => `shpat_${r.str(HEX, 32)}`;
const hfToken = (r: Rng): string => `hf_${mixed(r, UP + LO, 34)}`;
const doToken = (r: Rng): string => `dop_v1_${r.str(HEX, 64)}`;
const telegram = (r: Rng): string => `${1 + r.int(8)}${r.str(DIG, 9)}:AA${mixed(r, ALNUM + '-_', 33)}`;
const vaultToken = (r: Rng): string => `hvs.CAESI${mixed(r, ALNUM + '_-', 43)}Gh4KHGh2cy5${mixed(r, ALNUM, 40)}`;
const tfcToken = (r: Rng): string => `${mixed(r, ALNUM, 14)}.atlasv1.${mixed(r, ALNUM, 67)}`;
const linear = (r: Rng): string => `lin_api_${mixed(r, ALNUM, 40)}`;
const postman = (r: Rng): string => `PMAK-${r.str(HEX, 24)}-${r.str(HEX, 34)}`;
const dopplerSt = (r: Rng): string => `dp.st.prd.${mixed(r, ALNUM, 43)}`;
const dockerPat = (r: Rng): string => `dckr_pat_${mixed(r, ALNUM + '-_', 27)}`;
const pulumi = (r: Rng): string => `pul-${r.str(HEX, 40)}`;
const datadogApi = (r: Rng): string => r.str(HEX, 32);
const sentryUser = (r: Rng): string => `sntryu_${r.str(HEX, 64)}`;
const groq = (r: Rng): string => `gsk_${mixed(r, ALNUM, 52)}`;
const password = (r: Rng): string => {
  // A human-ish strong password: words + digits + symbols, or a generated one.
  if (r.int(2) === 0) return `${r.pick(['Tr0ub4dor', 'Korv', 'Blu3Fjord', 'Mxq', 'Zebra', 'Quill', 'Vortex'])}${r.pick(['!', '#', '%', '&', '*', '-'])}${r.str(ALNUM, 8)}${r.str(DIG, 2)}`;
  return mixed(r, ALNUM + '!#%^*-_', 20);
};
function pem(r: Rng, label: string, prefix: string, lines: number): string[] {
  const out = [`-----BEGIN ${label}-----`];
  let body = prefix + r.str(B64, 64 * lines - prefix.length);
  for (let i = 0; i < lines; i++) out.push(body.slice(i * 64, (i + 1) * 64));
  body = r.str(B64, 40) + '==';
  out.push(body);
  out.push(`-----END ${label}-----`);
  return out;
}
function opensshKey(r: Rng): string[] {
  const out = ['-----BEGIN OPENSSH PRIVATE KEY-----'];
  const body = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW' + r.str(B64, 70 * 5);
  for (let i = 0; i < 6; i++) out.push(body.slice(i * 70, (i + 1) * 70));
  out.push('-----END OPENSSH PRIVATE KEY-----');
  return out;
}
const b64u = (s: string | Buffer): string => Buffer.from(s).toString('base64url');
function jwt(r: Rng): string {
  const header = b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64u(
    JSON.stringify({ sub: `svc-${r.str(LO, 6)}`, iss: 'https://auth.internal.example.net', iat: 1760000000 + r.int(9999999), role: 'service' }),
  );
  return `${header}.${payload}.${b64u(r.bytes(32))}`;
}
function pypiToken(r: Rng): string {
  const parts: number[] = [2];
  const field = (tag: number, data: Buffer): void => {
    parts.push(tag, data.length, ...data);
  };
  field(1, Buffer.from('pypi.org'));
  field(2, Buffer.from(JSON.stringify({ version: 1, permissions: 'user' }).slice(0, 30) + r.str(HEX, 20)));
  parts.push(0);
  field(2, Buffer.from(`{"version": 1, "permissions": {"projects": ["${r.str(LO, 8)}"]}}`));
  parts.push(0);
  parts.push(0);
  field(6, r.bytes(32));
  return 'pypi-' + Buffer.from(parts).toString('base64url');
}
const azureAccountKey = (r: Rng): string => mixed(r, B64, 86) + '==';

// ---------------------------------------------------------------------------------------------------------
// File builder with line tracking

class FileBuilder {
  readonly lines: string[] = [];
  readonly secrets: Planted[] = [];
  readonly negatives: HardNegative[] = [];
  /** Windows line endings (.NET and PowerShell files are often CRLF). */
  crlf = false;
  constructor(readonly rel: string) {}
  /** Plain lines (may contain '\n'). */
  add(...texts: string[]): this {
    for (const t of texts) this.lines.push(...t.split('\n'));
    return this;
  }
  /** One line holding a planted secret. */
  secret(text: string, kind: string, encoded = false): this {
    this.lines.push(text);
    this.secrets.push({ file: this.rel, line: this.lines.length, kind, encoded });
    return this;
  }
  /** Several lines, the secret reported on line index `at` of them (0-based). */
  secretBlock(texts: string[], at: number, kind: string, encoded = false): this {
    const first = this.lines.length + 1;
    this.lines.push(...texts);
    this.secrets.push({ file: this.rel, line: first + at, kind, encoded });
    return this;
  }
  negative(text: string, kind: string): this {
    this.lines.push(text);
    this.negatives.push({ file: this.rel, line: this.lines.length, kind });
    return this;
  }
  text(): string {
    const eol = this.crlf ? '\r\n' : '\n';
    return this.lines.join(eol) + eol;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Filler: ordinary code nobody planted secrets in

function fillerJs(r: Rng, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = r.pick(['loadUser', 'fetchOrders', 'renderCart', 'computeTotals', 'parseHeader', 'refreshSession', 'buildQuery']) + i;
    out.push(
      `export async function ${name}(ctx, opts = {}) {`,
      `  const { limit = ${10 + r.int(90)}, offset = 0 } = opts;`,
      `  const token = ctx.session?.token ?? null;`,
      `  if (!token) throw new Error('not authenticated: ' + ctx.requestId);`,
      `  const res = await ctx.http.get(\`/api/v2/${r.pick(['orders', 'users', 'carts', 'items'])}?limit=\${limit}&offset=\${offset}\`, {`,
      `    headers: { Authorization: \`Bearer \${token}\`, 'X-Request-Id': ctx.requestId },`,
      `  });`,
      `  const cacheKey = \`${r.pick(['orders', 'users'])}:\${ctx.user.id}:\${limit}\`;`,
      `  ctx.cache.set(cacheKey, res.data, { ttl: ${60 * (1 + r.int(10))} });`,
      `  return res.data.items.map((it) => ({ ...it, total: Number(it.total).toFixed(2) }));`,
      `}`,
      '',
    );
  }
  return out.join('\n');
}
function fillerPy(r: Rng, n: number): string {
  const out: string[] = ['import hashlib', 'import logging', 'import os', '', 'log = logging.getLogger(__name__)', ''];
  for (let i = 0; i < n; i++) {
    out.push(
      `def handler_${i}(event, context):`,
      `    """Process one ${r.pick(['order', 'invoice', 'upload', 'message'])} event."""`,
      `    secret_name = os.environ.get("SECRET_NAME", "app/prod/db")`,
      `    digest = hashlib.sha256(event["body"].encode()).hexdigest()`,
      `    log.info("processing %s digest=%s", event.get("id"), digest[:12])`,
      `    token = event["headers"].get("authorization", "").removeprefix("Bearer ")`,
      `    if not token:`,
      `        return {"statusCode": 401}`,
      `    return {"statusCode": 200, "body": digest}`,
      '',
    );
  }
  return out.join('\n');
}
function fillerGo(r: Rng, n: number): string {
  const out: string[] = ['package service', '', 'import (', '\t"context"', '\t"fmt"', '\t"net/http"', ')', ''];
  for (let i = 0; i < n; i++) {
    out.push(
      `func (s *Server) handle${i}(w http.ResponseWriter, req *http.Request) {`,
      `\tctx := context.WithValue(req.Context(), ctxKey("route"), "${r.pick(['orders', 'users', 'auth'])}")`,
      `\ttoken := req.Header.Get("Authorization")`,
      `\tif token == "" {`,
      `\t\thttp.Error(w, "missing token", http.StatusUnauthorized)`,
      `\t\treturn`,
      `\t}`,
      `\tsecretRef := s.cfg.SecretRef // e.g. projects/p/secrets/db-password/versions/latest`,
      `\tfmt.Fprintf(w, "ok %s %d", secretRef, ${r.int(1000)})`,
      `\t_ = ctx`,
      `}`,
      '',
    );
  }
  return out.join('\n');
}
function fillerJava(r: Rng, n: number): string {
  const out: string[] = ['package com.acme.orders;', '', 'import org.springframework.beans.factory.annotation.Value;', ''];
  out.push('public class OrderService {');
  out.push('    @Value("${payments.api-key}")', '    private String apiKey;', '');
  for (let i = 0; i < n; i++) {
    out.push(
      `    public Order load${i}(String id, String token) {`,
      `        if (token == null || token.isBlank()) throw new IllegalStateException("no token for " + id);`,
      `        String cacheKey = "order:" + id + ":${r.int(99)}";`,
      `        return repository.findById(id).orElseThrow();`,
      `    }`,
      '',
    );
  }
  out.push('}');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// The corpus

export function generateCorpus(root: string, seed = 424242): Corpus {
  const r = new Rng(seed);
  const files: FileBuilder[] = [];
  const raw: { rel: string; content: string }[] = [];
  const file = (rel: string): FileBuilder => {
    const f = new FileBuilder(rel);
    files.push(f);
    return f;
  };

  // ---- Spring Boot -------------------------------------------------------------------------------------
  {
    const pw = password(r);
    const f = file('java-orders/src/main/resources/application.yml');
    f.add('server:', '  port: 8080', 'spring:', '  application:', '    name: orders', '  datasource:');
    f.add('    url: jdbc:postgresql://db.internal:5432/orders', '    username: orders_app');
    f.secret(`    password: ${pw}`, 'spring:password');
    f.add('  jpa:', '    hibernate:', '      ddl-auto: validate', 'payments:', '  stripe:');
    f.secret(`    api-key: ${stripeSecret(r)}`, 'stripe:secret');
    f.negative(`    publishable-key: ${stripePublishable(r)}`, 'publishable:stripe');
    f.secret(`    webhook-secret: ${stripeWebhook(r)}`, 'stripe:webhook');
    f.add('management:', '  endpoints:', '    web:', '      exposure:', '        include: health,info');
    f.add('jwt:');
    f.secret(`  secret: ${mixed(r, ALNUM, 48)}`, 'generic:jwt-secret');
    f.negative('  expiration: 86400000', 'number');
    f.add('aws:', '  region: eu-central-1');
    f.negative('  access-key: ${AWS_ACCESS_KEY_ID}', 'placeholder:env');
    f.negative('  secret-key: ${AWS_SECRET_ACCESS_KEY:changeme}', 'placeholder:env-default');

    const p = file('java-billing/src/main/resources/application-prod.properties');
    p.add('spring.application.name=billing', 'spring.datasource.url=jdbc:mysql://mysql.prod:3306/billing?useSSL=true');
    p.add('spring.datasource.username=billing');
    p.secret(`spring.datasource.password=${password(r)}`, 'spring:password');
    p.secret(`spring.mail.password=${sendgrid(r)}`, 'sendgrid');
    p.negative('spring.security.oauth2.client.registration.google.client-secret=${GOOGLE_CLIENT_SECRET}', 'placeholder:env');
    p.secret(`spring.security.oauth2.client.registration.github.client-secret=${r.str(HEX, 40)}`, 'github:oauth-client-secret');
    p.negative(`git.commit.id=${r.str(HEX, 40)}`, 'git-sha');
    p.negative(`app.request-id.example=${uuid(r)}`, 'uuid');
    p.negative('app.sample.api-key=sk_live_51AbCdEfGhIjKlMnOpQrStUvWxYz0123456789sampleKeyForDocsOnly', 'example-name');
    p.secret(`sentry.auth-token=${sentryUser(r)}`, 'sentry:user');

    const j = file('java-billing/src/main/java/com/acme/billing/PaymentClient.java');
    j.add('package com.acme.billing;', '', 'import java.net.http.HttpClient;', '', 'public final class PaymentClient {');
    j.secret(`    private static final String API_TOKEN = "${mixed(r, ALNUM, 40)}";`, 'generic:java-const');
    j.negative('    private static final String API_TOKEN_HEADER = "X-Api-Token";', 'identifier');
    j.negative(`    private static final String DUMMY_SECRET = "${mixed(r, ALNUM, 32)}";`, 'example-name');
    j.add('    private final HttpClient http = HttpClient.newHttpClient();');
    j.negative('    private final String secret = System.getenv("PAYMENT_SECRET");', 'placeholder:getenv');
    j.add('}');
    const jf = file('java-billing/src/main/java/com/acme/billing/OrderService.java');
    jf.add(fillerJava(r, 40));
  }

  // ---- .NET ----------------------------------------------------------------------------------------------
  {
    const f = file('dotnet-api/src/Api/appsettings.Production.json');
    f.add('{', '  "Logging": {', '    "LogLevel": { "Default": "Information" }', '  },', '  "ConnectionStrings": {');
    f.secret(`    "Default": "Server=tcp:acme-sql.database.windows.net,1433;Initial Catalog=orders;User ID=orders_app;Password=${password(r)};Encrypt=True;",`, 'dotnet:sqlserver');
    f.secret(`    "Storage": "DefaultEndpointsProtocol=https;AccountName=acmeprodstore;AccountKey=${azureAccountKey(r)};EndpointSuffix=core.windows.net",`, 'azure:storage');
    f.negative('    "Local": "Server=(localdb)\\\\mssqllocaldb;Database=orders;Trusted_Connection=True;"', 'connstring-no-password');
    f.add('  },', '  "Authentication": {');
    f.secret(`    "ClientSecret": "${mixed(r, ALNUM + '~.-_', 34)}",`, 'azure:client-secret');
    f.negative(`    "ClientId": "${uuid(r)}",`, 'uuid');
    f.negative(`    "TenantId": "${uuid(r)}"`, 'uuid');
    f.add('  },', '  "SendGrid": {');
    f.secret(`    "ApiKey": "${sendgrid(r)}"`, 'sendgrid');
    f.add('  }', '}');

    const w = file('dotnet-legacy/Web.config');
    w.crlf = true;
    w.add('<?xml version="1.0" encoding="utf-8"?>', '<configuration>', '  <connectionStrings>');
    w.secret(`    <add name="Main" connectionString="Data Source=sql01;Initial Catalog=Legacy;User Id=legacy_web;Password=${password(r)};" providerName="System.Data.SqlClient" />`, 'dotnet:sqlserver');
    w.add('  </connectionStrings>', '  <appSettings>');
    w.secret(`    <add key="SmtpPassword" value="${password(r)}" />`, 'xml:password');
    w.negative('    <add key="SmtpPasswordExample" value="hunter2-example-value" />', 'example-name');
    w.negative('    <add key="webpages:Version" value="3.0.0.0" />', 'version');
    w.add('  </appSettings>', '</configuration>');

    const cs = file('dotnet-api/src/Api/Services/TokenService.cs');
    cs.add('namespace Api.Services;', '', 'public class TokenService', '{');
    cs.secret(`    private const string SigningKey = "${mixed(r, ALNUM, 44)}";`, 'generic:csharp-const');
    cs.negative('    private readonly string _apiKey = Environment.GetEnvironmentVariable("API_KEY");', 'placeholder:getenv');
    cs.negative('    private readonly string _cfgKey = configuration["Payments:ApiKey"];', 'expression');
    cs.add('}');

    const ps = file('dotnet-api/deploy/Set-Credentials.ps1');
    ps.crlf = true;
    ps.add('param([string]$Server = "sql01")');
    ps.secret(`$SecurePassword = ConvertTo-SecureString "${password(r)}" -AsPlainText -Force`, 'powershell:securestring');
    ps.add('$Credential = New-Object System.Management.Automation.PSCredential ("deploy", $SecurePassword)');
    ps.negative('$Pw = Read-Host -AsSecureString "Password"', 'expression');
  }

  // ---- Rails -----------------------------------------------------------------------------------------------
  {
    const db = file('rails-shop/config/database.yml');
    db.add('default: &default', '  adapter: postgresql', '  encoding: unicode', '  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>', '');
    db.add('development:', '  <<: *default', '  database: shop_development', '  password: <%= ENV["DB_PASSWORD"] %>', '');
    db.add('production:', '  <<: *default', '  database: shop_production', '  username: shop');
    db.secret(`  password: ${password(r)}`, 'rails:password');
    db.negative('  host: <%= ENV.fetch("DATABASE_HOST") { "localhost" } %>', 'template');

    const init = file('rails-shop/config/initializers/stripe.rb');
    init.secret(`Stripe.api_key = ENV.fetch("STRIPE_SECRET_KEY") { "${stripeSecret(r)}" }`, 'stripe:secret');
    init.secret(`SENDGRID_TOKEN = ENV.fetch("SENDGRID_TOKEN") { "${mixed(r, ALNUM, 32)}" }`, 'ruby:env-fetch-default');
    init.negative('Rails.application.config.stripe_publishable = ENV.fetch("STRIPE_PK") { "pk_test_placeholder" }', 'placeholder');
    init.secret(`Rails.application.config.x.mailgun_api_key = "key-${r.str(HEX, 32)}"`, 'mailgun');

    const cr = file('rails-shop/config/secrets.yml');
    cr.add('production:');
    cr.secret(`  secret_key_base: ${r.str(HEX, 128)}`, 'rails:secret_key_base');
    const gl = file('rails-shop/Gemfile.lock');
    gl.add('GEM', '  remote: https://rubygems.org/', '  specs:');
    for (let i = 0; i < 40; i++) gl.add(`    ${r.pick(['actioncable', 'activesupport', 'nokogiri', 'rack', 'puma', 'sidekiq'])}${i > 5 ? '-' + r.str(LO, 4) : ''} (${r.int(8)}.${r.int(20)}.${r.int(9)})`);
    gl.add('', 'CHECKSUMS');
    for (let i = 0; i < 12; i++) gl.negative(`  rack-${i} (3.1.${i}) sha256=${r.str(HEX, 64)}`, 'lockfile-checksum');
    gl.add('', 'BUNDLED WITH', '   2.5.22');
  }

  // ---- Django / Python ------------------------------------------------------------------------------------
  {
    const s = file('django-portal/portal/settings.py');
    s.add('from pathlib import Path', 'import os', '', 'BASE_DIR = Path(__file__).resolve().parent.parent', '');
    s.secret(`SECRET_KEY = "django-insecure-${mixed(r, LO + DIG + '!@#%^&*(-_=+)', 50)}"`, 'django:secret_key');
    s.add('DEBUG = False', 'ALLOWED_HOSTS = ["portal.acme.io"]', '', 'DATABASES = {', '    "default": {');
    s.add('        "ENGINE": "django.db.backends.postgresql",', '        "NAME": "portal",', '        "USER": "portal",');
    s.secret(`        "PASSWORD": "${password(r)}",`, 'django:db-password');
    s.add('        "HOST": "db.internal",', '    }', '}', '');
    s.negative('EMAIL_HOST_PASSWORD = os.environ["EMAIL_HOST_PASSWORD"]', 'placeholder:environ');
    s.negative('AWS_SECRET_ACCESS_KEY = os.getenv("AWS_SECRET_ACCESS_KEY", "")', 'placeholder:getenv');
    s.secret(`AWS_ACCESS_KEY_ID = "${awsKeyId(r)}"`, 'aws:key-id');
    s.secret(`AWS_SECRET_ACCESS_KEY_BACKUP = "${awsSecret(r)}"`, 'aws:secret');
    s.negative('# AWS docs example: AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'vendor-doc');
    // A modern Sentry DSN carries only the public key (safe in browsers): neither planted nor a hard negative.
    s.add(`SENTRY_DSN = "https://${r.str(HEX, 32)}@o${r.str(DIG, 6)}.ingest.sentry.io/${r.str(DIG, 7)}"`);
    s.negative('STATIC_URL = "/static/"', 'path');

    const t = file('django-portal/portal/tests/test_api.py');
    t.add('import pytest', '');
    t.negative(`FAKE_TOKEN = "${mixed(r, ALNUM, 40)}"`, 'example-name');
    t.negative(`dummy_password = "${password(r)}"`, 'example-name');
    t.negative(`SAMPLE_API_KEY = "${mixed(r, ALNUM, 32)}"`, 'example-name');
    t.add('', 'def test_login(client):', '    resp = client.post("/login", {"user": "alice", "password": "changeme"})');
    t.negative('    assert resp.headers["Authorization"] == "Bearer <token>"', 'placeholder');

    const py = file('django-portal/scripts/sync_hubspot.py');
    py.add('import requests', '');
    py.secret(`HUBSPOT_TOKEN = "pat-na1-${uuid(r)}"`, 'hubspot:pat');
    py.secret(`openai_client = OpenAI(api_key="${openaiProj(r)}")`, 'openai');
    py.secret(`anthropic_client = Anthropic(api_key="${anthropic(r)}")`, 'anthropic');
    py.secret(`requests.get(url, auth=("etl_user", "${password(r)}"))`, 'python:requests-auth');
    py.negative('requests.get(url, auth=("etl_user", os.environ["ETL_PASSWORD"]))', 'placeholder:environ');
    py.negative(`file_sha256 = "${r.str(HEX, 64)}"`, 'bare-hex-hash');
    py.add(fillerPy(r, 30));

    const pypirc = file('django-portal/.pypirc');
    pypirc.add('[distutils]', 'index-servers =', '    pypi', '', '[pypi]', 'username = __token__');
    pypirc.secret(`password = ${pypiToken(r)}`, 'pypi');
  }

  // ---- Go -------------------------------------------------------------------------------------------------
  {
    const g = file('go-gateway/internal/config/defaults.go');
    g.add('package config', '', 'import "time"', '', 'var Default = Config{', '\tListen:  ":8443",', '\tTimeout: 30 * time.Second,');
    g.secret(`\tGitHubToken: "${ghClassic(r, 'ghp_')}",`, 'github:pat');
    g.secret(`\tSlackWebhook: "${slackHook(r)}",`, 'slack:webhook');
    g.secret(`\tDatabaseURL: "postgres://gateway:${password(r).replace(/[#%&*!^]/g, 'x')}@pg.internal:5432/gateway?sslmode=require",`, 'uri:postgres');
    g.negative('\tRedisURL: "redis://localhost:6379/0",', 'uri-no-password');
    g.negative(`\tBuildCommit: "${r.str(HEX, 40)}",`, 'git-sha');
    g.negative(`\tInstanceID: "${uuid(r)}",`, 'uuid');
    g.add('}');
    const c = file('go-gateway/internal/clients/aws.go');
    c.add('package clients', '', 'import "github.com/aws/aws-sdk-go-v2/credentials"', '');
    const id = awsKeyId(r);
    c.add('func static() credentials.StaticCredentialsProvider {');
    c.secret(`\treturn credentials.NewStaticCredentialsProvider("${id}", "${awsSecret(r)}", "")`, 'aws:key-pair-inline');
    c.add('}', '');
    c.negative('var exampleCreds = credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")', 'vendor-doc');
    c.add(fillerGo(r, 30));
    const sum = file('go-gateway/go.sum');
    for (let i = 0; i < 30; i++) {
      const mod = `github.com/${r.pick(['aws', 'google', 'hashicorp', 'stretchr'])}/${r.str(LO, 6)} v1.${r.int(30)}.${r.int(9)}`;
      sum.negative(`${mod} h1:${r.str(B64, 43)}=`, 'go.sum');
      sum.negative(`${mod}/go.mod h1:${r.str(B64, 43)}=`, 'go.sum');
    }
  }

  // ---- Node -----------------------------------------------------------------------------------------------
  {
    const e = file('node-shop/.env.production');
    e.add('NODE_ENV=production', 'PORT=3000');
    e.secret(`DATABASE_URL=postgresql://shop:${mixed(r, ALNUM, 24)}@shop-db.cluster-ro.eu-west-1.rds.amazonaws.com:5432/shop`, 'uri:postgres');
    e.secret(`STRIPE_SECRET_KEY=${stripeSecret(r)}`, 'stripe:secret');
    e.negative(`STRIPE_PUBLISHABLE_KEY=${stripePublishable(r)}`, 'publishable:stripe');
    e.secret(`SENDGRID_API_KEY=${sendgrid(r)}`, 'sendgrid');
    e.secret(`TWILIO_AUTH_TOKEN=${hex32(r)}`, 'twilio:auth-token');
    e.negative(`TWILIO_ACCOUNT_SID=AC${r.str(HEX, 32)}`, 'twilio:sid-public');
    e.secret(`TWILIO_API_KEY=${twilioKey(r)}`, 'twilio:api-key');
    e.secret(`MAILCHIMP_API_KEY=${mailchimp(r)}`, 'mailchimp');
    e.secret(`HEROKU_API_KEY=${uuid(r)}`, 'heroku');
    e.secret(`DATADOG_API_KEY=${datadogApi(r)}`, 'datadog');
    e.secret(`GOOGLE_MAPS_SERVER_KEY=${googleApi(r)}`, 'gcp:api-key');
    e.secret(`REDIS_URL=rediss://default:${mixed(r, ALNUM, 32)}@shop-cache.upstash.io:6379`, 'uri:redis');
    e.secret(`JWT_SECRET=${mixed(r, ALNUM + '-_', 64)}`, 'generic:jwt-secret');
    e.secret(`OPENAI_API_KEY=${openaiProj(r)}`, 'openai');
    e.secret(`GROQ_API_KEY=${groq(r)}`, 'groq');
    e.negative('SESSION_TTL=86400', 'number');
    e.negative(`ALGOLIA_APP_ID=${r.str(UP + DIG, 10)}`, 'algolia:app-id');
    e.negative(`ALGOLIA_SEARCH_ONLY_KEY=${hex32(r)}`, 'algolia:search-key');
    e.secret(`ALGOLIA_ADMIN_KEY=${hex32(r)}`, 'algolia:admin');

    const ex = file('node-shop/.env.example');
    ex.negative('DATABASE_URL=postgresql://user:password@localhost:5432/shop', 'placeholder');
    ex.negative('STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx', 'placeholder');
    ex.negative('SENDGRID_API_KEY=YOUR_API_KEY', 'placeholder');
    ex.negative('TWILIO_AUTH_TOKEN=<token>', 'placeholder');
    ex.negative('JWT_SECRET=changeme', 'placeholder');
    ex.negative('OPENAI_API_KEY=sk-...', 'placeholder');
    ex.negative('GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'placeholder');
    ex.negative('HEROKU_API_KEY=00000000-0000-0000-0000-000000000000', 'placeholder');

    const cfg = file('node-shop/config/production.js');
    cfg.add("'use strict';", '', 'module.exports = {', '  port: process.env.PORT || 3000,');
    cfg.negative('  sessionSecret: process.env.SESSION_SECRET,', 'placeholder:process.env');
    cfg.secret(`  cookieSecret: '${mixed(r, ALNUM, 32)}',`, 'generic:cookie-secret');
    cfg.add('  github: {');
    cfg.secret(`    clientSecret: '${r.str(HEX, 40)}',`, 'github:oauth-client-secret');
    cfg.secret(`    appToken: "${ghClassic(r, 'ghs_')}",`, 'github:app');
    cfg.add('  },', '  mongo: {');
    cfg.secret(`    uri: 'mongodb+srv://shop_rw:${mixed(r, ALNUM, 16)}@cluster0.ab1cd.mongodb.net/shop?retryWrites=true&w=majority',`, 'uri:mongodb');
    cfg.add('  },', '  slack: {');
    cfg.secret(`    botToken: '${slackBot(r)}',`, 'slack:bot');
    cfg.add('  },', '};');

    const ts = file('node-shop/src/integrations/shopify.ts');
    ts.add("import { createAdminApiClient } from '@shopify/admin-api-client';", '');
    ts.secret(`const ADMIN_TOKEN = '${shopify(r)}';`, 'shopify');
    ts.negative(`const bad = 'ghp_${mixed(r, ALNUM, 36)}'; // not a real token: checksum does not match`, 'wrong-checksum:github');
    ts.negative(`export const SHOP_TOKEN_HEADER = 'X-Shopify-Access-Token';`, 'identifier');
    ts.negative('const apiKey = process.env.SHOPIFY_API_KEY!;', 'placeholder:process.env');
    ts.add(fillerJs(r, 40));

    const npmrc = file('node-shop/.npmrc');
    npmrc.add('registry=https://registry.npmjs.org/', '@acme:registry=https://npm.pkg.github.com/');
    npmrc.secret(`//registry.npmjs.org/:_authToken=${npmToken(r)}`, 'npm');
    npmrc.secret(`//npm.pkg.github.com/:_authToken=${ghClassic(r, 'ghp_')}`, 'github:pat');
    npmrc.negative('//npm.internal.acme.io/:_authToken=${NPM_TOKEN}', 'placeholder:env');

    const npmrc2 = file('node-shop/packages/ui/.npmrc');
    npmrc2.negative(`//registry.npmjs.org/:_authToken=${npmBadChecksum(r)}`, 'wrong-checksum:npm');
    npmrc2.negative(`//registry.npmjs.org/:_authToken=npm_${mixed(r, ALNUM, 20)}`, 'wrong-length:npm');

    // package-lock.json with integrity hashes
    const lock = file('node-shop/package-lock.json');
    lock.add('{', '  "name": "node-shop",', '  "version": "1.4.2",', '  "lockfileVersion": 3,', '  "requires": true,', '  "packages": {');
    for (let i = 0; i < 60; i++) {
      const name = `${r.pick(['lodash', 'express', 'debug', 'ms', 'qs', 'send', 'mime', 'ws'])}-${r.str(LO, 5)}`;
      lock.add(`    "node_modules/${name}": {`, `      "version": "${r.int(9)}.${r.int(30)}.${r.int(20)}",`);
      lock.add(`      "resolved": "https://registry.npmjs.org/${name}/-/${name}-1.0.0.tgz",`);
      lock.negative(`      "integrity": "sha512-${r.str(B64, 86)}==",`, 'lockfile-integrity');
      lock.add('      "license": "MIT"', `    }${i < 59 ? ',' : ''}`);
    }
    lock.add('  }', '}');

    const yarn = file('node-shop/yarn.lock');
    yarn.add('# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.', '# yarn lockfile v1', '');
    for (let i = 0; i < 40; i++) {
      const name = `${r.pick(['react', 'scheduler', 'loose-envify', 'js-tokens'])}-${r.str(LO, 4)}`;
      yarn.add(`${name}@^1.0.0:`, '  version "1.0.3"');
      yarn.negative(`  resolved "https://registry.yarnpkg.com/${name}/-/${name}-1.0.3.tgz#${r.str(HEX, 40)}"`, 'lockfile-sha1');
      yarn.negative(`  integrity sha512-${r.str(B64, 86)}==`, 'lockfile-integrity');
      yarn.add('');
    }

    // minified bundle (not .min.js name on purpose: dist/app.js) with data URI and identifiers
    const bundle: string[] = [];
    let l = '!function(e,t){"use strict";';
    for (let i = 0; i < 400; i++) {
      l += `var ${r.str(LO, 1)}${r.str(ALNUM, 1)}=function(${r.str(LO, 1)}){return ${r.str(LO, 1)}.${r.pick(['apiKey', 'token', 'secret', 'authToken'])}||"${r.str(ALNUM, 12)}"};`;
      l += `t.${mixed(r, ALNUM, 24)}=${r.int(1e6)};`;
      if (l.length > 3000) {
        bundle.push(l);
        l = '';
      }
    }
    bundle.push(l + '}(window,{});');
    const b = file('node-shop/public/dist/app.js');
    for (const line of bundle) b.negative(line, 'minified');
    b.negative(`var logo="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA${r.str(B64, 600)}=";`, 'data-uri');
  }

  // ---- Infrastructure ---------------------------------------------------------------------------------------
  {
    const tf = file('infra/terraform/main.tf');
    tf.add('terraform {', '  required_version = ">= 1.6"', '}', '', 'provider "aws" {', '  region     = "eu-west-1"');
    tf.secret(`  access_key = "${awsKeyId(r)}"`, 'aws:key-id');
    tf.secret(`  secret_key = "${awsSecret(r)}"`, 'aws:secret');
    tf.add('}', '', 'provider "datadog" {');
    tf.secret(`  api_key = "${datadogApi(r)}"`, 'datadog');
    tf.negative('  app_key = var.datadog_app_key', 'expression');
    tf.add('}', '', 'resource "aws_db_instance" "main" {', '  engine   = "postgres"', '  username = "app"');
    tf.secret(`  password = "${password(r)}"`, 'terraform:password');
    tf.add('}', '', 'resource "random_password" "db" {', '  length  = 32', '  special = true', '}');
    tf.negative('  password = random_password.db.result', 'expression');
    const tfv = file('infra/terraform/prod.tfvars');
    tfv.secret(`cloudflare_api_token = "${mixed(r, ALNUM + '-_', 40)}"`, 'cloudflare');
    tfv.secret(`digitalocean_token   = "${doToken(r)}"`, 'digitalocean');
    tfv.secret(`tfe_token            = "${tfcToken(r)}"`, 'terraform-cloud');
    tfv.negative('db_password          = "REPLACE_ME"', 'placeholder');
    tfv.negative('vault_token          = "hvs.xxxxxxxxxxxxxxxxxxxxxxxx"', 'placeholder');
    tfv.secret(`vault_token_ci       = "${vaultToken(r)}"`, 'vault');

    const st = file('infra/terraform/terraform.tfstate');
    st.add('{', '  "version": 4,', '  "terraform_version": "1.7.5",', '  "resources": [', '    {', '      "type": "aws_iam_access_key",');
    st.add('      "instances": [', '        {', '          "attributes": {');
    st.secret(`            "id": "${awsKeyId(r)}",`, 'aws:key-id');
    st.secret(`            "secret": "${awsSecret(r)}",`, 'aws:secret');
    st.negative(`            "ses_smtp_password_v4": null,`, 'null');
    st.add('            "user": "ci-deployer"', '          }', '        }', '      ]', '    }', '  ]', '}');

    // Kubernetes Secret with base64 data (encoded)
    const k = file('infra/k8s/orders-secret.yaml');
    const kPw = password(r);
    const kStripe = stripeSecret(r);
    const kGh = ghClassic(r, 'ghp_');
    const kDbUrl = `postgres://orders:${mixed(r, ALNUM, 20)}@orders-db:5432/orders`;
    k.add('apiVersion: v1', 'kind: Secret', 'metadata:', '  name: orders-secrets', '  namespace: orders', 'type: Opaque', 'data:');
    k.negative(`  username: ${Buffer.from('orders').toString('base64')}`, 'b64-username');
    k.secret(`  password: ${Buffer.from(kPw).toString('base64')}`, 'k8s:b64-password', true);
    k.secret(`  stripe-secret-key: ${Buffer.from(kStripe).toString('base64')}`, 'k8s:b64-stripe', true);
    k.secret(`  GITHUB_TOKEN: ${Buffer.from(kGh).toString('base64')}`, 'k8s:b64-github', true);
    k.secret(`  DATABASE_URL: ${Buffer.from(kDbUrl).toString('base64')}`, 'k8s:b64-dburl', true);
    k.add('---', 'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: registry', 'type: kubernetes.io/dockerconfigjson', 'data:');
    const dcj = JSON.stringify({ auths: { 'ghcr.io': { auth: Buffer.from(`deploy-bot:${ghClassic(r, 'ghp_')}`).toString('base64') } } });
    k.secret(`  .dockerconfigjson: ${Buffer.from(dcj).toString('base64')}`, 'k8s:b64-dockerconfig', true);
    k.add('---', 'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: tls', 'type: kubernetes.io/tls', 'data:');
    const certB64 = Buffer.from(pem(r, 'CERTIFICATE', 'MIIDdzCCAl+gAwIBAgIE', 8).join('\n')).toString('base64');
    k.negative(`  tls.crt: ${certB64}`, 'b64-certificate');
    const keyB64 = Buffer.from(pem(r, 'PRIVATE KEY', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 8).join('\n')).toString('base64');
    k.secret(`  tls.key: ${keyB64}`, 'k8s:b64-private-key', true);

    const k2 = file('infra/k8s/config-stringdata.yaml');
    k2.add('apiVersion: v1', 'kind: Secret', 'metadata:', '  name: api', 'stringData:');
    k2.secret(`  SLACK_BOT_TOKEN: "${slackBot(r)}"`, 'slack:bot');
    k2.secret(`  PAGERDUTY_ROUTING_KEY: "${r.str(HEX, 32)}"`, 'generic:routing-key');
    k2.add('---', 'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: api-config', 'data:');
    k2.negative('  LOG_LEVEL: info', 'plain');
    k2.negative(`  CHECKSUM: "${r.str(HEX, 64)}"`, 'bare-hex-hash');
    k2.negative(`  DEPLOY_SHA: "${r.str(HEX, 40)}"`, 'git-sha');

    const sops = file('infra/k8s/secrets.enc.yaml');
    sops.add('apiVersion: v1', 'kind: Secret', 'metadata:', '    name: payments', 'stringData:');
    sops.negative(`    STRIPE_SECRET_KEY: ENC[AES256_GCM,data:${r.str(B64, 60)},iv:${r.str(B64, 43)}=,tag:${r.str(B64, 22)}==,type:str]`, 'sops');
    sops.negative(`    password: ENC[AES256_GCM,data:${r.str(B64, 20)},iv:${r.str(B64, 43)}=,tag:${r.str(B64, 22)}==,type:str]`, 'sops');
    sops.add('sops:', '    kms:', '        - arn: arn:aws:kms:eu-west-1:123456789012:key/' + uuid(r));
    sops.add(`        enc: ${r.str(B64, 180)}`); // encrypted data key, not a secret (no planted)
    sops.add('    mac: ENC[AES256_GCM,data:' + r.str(B64, 60) + ',iv:' + r.str(B64, 43) + '=,tag:' + r.str(B64, 22) + '==,type:str]');
    sops.add('    version: 3.8.1');

    const vault = file('infra/ansible/group_vars/prod/vault.yml');
    vault.add('$ANSIBLE_VAULT;1.1;AES256');
    for (let i = 0; i < 12; i++) vault.negative(r.str(HEX, 80), 'ansible-vault');
    const av = file('infra/ansible/group_vars/prod/vars.yml');
    av.negative('db_password: "{{ vault_db_password }}"', 'template');
    av.secret(`smtp_password: "${password(r)}"`, 'ansible:password');
    av.negative(`api_token: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          ${r.str(HEX, 64)}`, 'ansible-vault-inline');

    const helm = file('infra/helm/orders/values-prod.yaml');
    helm.add('replicaCount: 3', 'image:', '  repository: ghcr.io/acme/orders', `  tag: "sha-${r.str(HEX, 7)}"`);
    helm.negative(`  digest: sha256:${r.str(HEX, 64)}`, 'docker-digest');
    helm.add('postgresql:', '  auth:', '    username: orders');
    helm.secret(`    password: "${password(r)}"`, 'helm:password');
    helm.negative('    existingSecret: orders-db', 'plain');
    helm.add('redis:', '  auth:');
    helm.negative('    password: ""', 'empty');
    helm.add('newrelic:');
    helm.secret(`  licenseKey: ${r.str(HEX, 36)}NRAL`, 'newrelic:license');
    helm.add('grafana:', '  adminUser: admin');
    helm.secret(`  adminPassword: ${password(r)}`, 'helm:password');

    const dc = file('infra/docker-compose.yml');
    dc.add('services:', '  db:', '    image: postgres:16', '    environment:', '      POSTGRES_USER: app');
    dc.secret(`      POSTGRES_PASSWORD: ${password(r)}`, 'compose:password');
    dc.add('  api:', '    build: .', '    environment:');
    dc.negative('      - DATABASE_URL=postgres://app:${POSTGRES_PASSWORD}@db:5432/app', 'placeholder:env');
    dc.secret(`      - RABBITMQ_URL=amqp://api:${mixed(r, ALNUM, 18)}@mq:5672/`, 'uri:amqp');
    dc.negative('      - SECRET_KEY=${SECRET_KEY:?set it}', 'placeholder:env');
    dc.add('  mq:', '    image: rabbitmq:3-management');
    dc.secret(`    command: ["sh", "-c", "rabbitmqctl add_user admin ${password(r)}"]`, 'cli:password-arg');

    const dockerCfg = file('infra/home/.docker/config.json');
    dockerCfg.add('{', '  "auths": {', '    "https://index.docker.io/v1/": {');
    dockerCfg.secret(`      "auth": "${Buffer.from(`acmebuild:${dockerPat(r)}`).toString('base64')}"`, 'docker:auth', true);
    dockerCfg.add('    },', '    "registry.gitlab.com": {');
    dockerCfg.secret(`      "auth": "${Buffer.from(`ci:${password(r)}`).toString('base64')}"`, 'docker:auth', true);
    dockerCfg.add('    }', '  },', '  "credsStore": "desktop"', '}');

    const aws = file('infra/home/.aws/credentials');
    aws.add('[default]');
    aws.secret(`aws_access_key_id = ${awsKeyId(r)}`, 'aws:key-id');
    aws.secret(`aws_secret_access_key = ${awsSecret(r)}`, 'aws:secret');
    aws.add('', '[docs]');
    aws.negative('aws_access_key_id = AKIAIOSFODNN7EXAMPLE', 'vendor-doc');
    aws.negative('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'vendor-doc');
    aws.add('', '[sso]', 'sso_start_url = https://acme.awsapps.com/start', 'sso_region = eu-west-1');

    const netrc = file('infra/home/.netrc');
    netrc.secret(`machine api.heroku.com login ops@acme.io password ${uuid(r)}`, 'netrc:heroku');
    netrc.add('machine github.com');
    netrc.add('  login deploy-bot');
    netrc.secret(`  password ${ghClassic(r, 'ghp_')}`, 'github:pat');

    const idrsa = file('infra/home/.ssh/id_ed25519');
    idrsa.secretBlock(opensshKey(r), 0, 'ssh:private-key');
    const pub = file('infra/home/.ssh/id_ed25519.pub');
    pub.negative(`ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${r.str(B64, 43)} ops@acme`, 'public-key');
    const ak = file('infra/home/.ssh/authorized_keys');
    for (let i = 0; i < 4; i++) ak.negative(`ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ${r.str(B64, 340)} user${i}@host`, 'public-key');

    const certs = file('infra/tls/chain.pem');
    for (let i = 0; i < 2; i++) {
      for (const line of pem(r, 'CERTIFICATE', 'MIIFazCCA1OgAwIBAgIRAIIQz7DSQONZRGPgu2OCiwAw', 14)) certs.negative(line, 'certificate');
    }
    const pubkey = file('infra/tls/jwt-public.pem');
    for (const line of pem(r, 'PUBLIC KEY', 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA', 5)) pubkey.negative(line, 'public-key');
    const privkey = file('infra/tls/server.key');
    privkey.secretBlock(pem(r, 'RSA PRIVATE KEY', 'MIIEowIBAAKCAQEA', 20), 0, 'pem:rsa');
    const ec = file('infra/tls/ec.key');
    ec.secretBlock(pem(r, 'EC PRIVATE KEY', 'MHcCAQEEI', 2), 0, 'pem:ec');
  }

  // ---- GCP service account in JSON with \n escapes ---------------------------------------------------------
  {
    const sa = file('python-etl/credentials/etl-sa.json');
    const keyLines = pem(r, 'PRIVATE KEY', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 24);
    sa.add('{', '  "type": "service_account",', '  "project_id": "acme-etl-prod",');
    sa.add(`  "private_key_id": "${r.str(HEX, 40)}",`);
    sa.secret(`  "private_key": "${keyLines.join('\\n')}\\n",`, 'gcp:service-account');
    sa.add('  "client_email": "etl@acme-etl-prod.iam.gserviceaccount.com",', `  "client_id": "${r.str(DIG, 21)}",`);
    sa.add('  "auth_uri": "https://accounts.google.com/o/oauth2/auth",', '  "token_uri": "https://oauth2.googleapis.com/token"', '}');
    const fb = file('web-app/src/firebase.ts');
    fb.add('export const firebaseConfig = {');
    fb.negative(`  authDomain: "acme-web.firebaseapp.com",`, 'plain');
    fb.negative(`  appId: "1:${r.str(DIG, 12)}:web:${r.str(HEX, 22)}",`, 'public-id');
    fb.negative(`  measurementId: "G-${r.str(UP + DIG, 10)}",`, 'public-id');
    fb.add('};');
    fb.add('export const algolia = {', `  appId: '${r.str(UP + DIG, 10)}',`);
    fb.negative(`  searchKey: '${hex32(r)}',`, 'algolia:search-key');
    fb.add('};');
  }

  // ---- CI -------------------------------------------------------------------------------------------------
  {
    const gh = file('node-shop/.github/workflows/deploy.yml');
    gh.add('name: deploy', 'on:', '  push:', '    branches: [main]', 'env:');
    gh.negative('  NPM_TOKEN: ${{ secrets.NPM_TOKEN }}', 'placeholder:gha');
    gh.negative('  AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}', 'placeholder:gha');
    gh.secret(`  SONAR_TOKEN: ${'sqp_' + r.str(HEX, 40)}`, 'sonar');
    gh.add('jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    steps:', '      - uses: actions/checkout@' + r.str(HEX, 40));
    gh.add('      - uses: actions/cache@v4', '        with:', '          path: ~/.npm');
    gh.negative("          key: ${{ runner.os }}-node-${{ hashFiles('**/package-lock.json') }}", 'template');
    gh.add('      - name: notify', '        run: |');
    gh.secret(`          curl -sS -X POST -H "Authorization: Bearer ${mixed(r, ALNUM, 40)}" https://api.statuspage.io/v1/pages/abc/incidents`, 'curl:bearer');
    gh.negative('          curl -H "Authorization: Bearer ${{ secrets.STATUSPAGE_TOKEN }}" https://api.statuspage.io/v1', 'placeholder:gha');
    gh.secret(`          echo "${Buffer.from(`STRIPE_SECRET_KEY=${stripeSecret(r)}\nDB_PASSWORD=${password(r)}\n`).toString('base64')}" | base64 -d > .env`, 'ci:b64-dotenv', true);

    const gl = file('.gitlab-ci.yml');
    gl.add('stages: [build, deploy]', 'variables:', '  DOCKER_DRIVER: overlay2');
    gl.secret(`  ENV_FILE_B64: "${Buffer.from(`OPENAI_API_KEY=${openaiProj(r)}\nLOG_LEVEL=info\n`).toString('base64')}"`, 'ci:b64-dotenv', true);
    gl.secret(`  HF_TOKEN: "${hfToken(r)}"`, 'huggingface');
    gl.negative('  CI_JOB_TOKEN_NOTE: "$CI_JOB_TOKEN"', 'placeholder:env');
    gl.add('deploy:', '  stage: deploy', '  script:');
    gl.secret(`    - curl -u deploy:${password(r).replace(/[#%&*!^]/g, 'q')} https://nexus.acme.io/repository/releases/`, 'curl:basic');
    gl.negative('    - curl -u "$NEXUS_USER:$NEXUS_PASSWORD" https://nexus.acme.io/repository/releases/', 'placeholder:env');
    gl.secret(`    - docker login -u acme -p ${dockerPat(r)} docker.io`, 'docker:pat');
    gl.negative('    - docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" $CI_REGISTRY', 'placeholder:env');

    const jf = file('jenkins/Jenkinsfile');
    jf.add('pipeline {', '  agent any', '  environment {');
    jf.negative("    NEXUS = credentials('nexus-deploy')", 'expression');
    jf.secret(`    SLACK_TOKEN = '${slackBot(r)}'`, 'slack:bot');
    jf.add('  }', '  stages {', "    stage('deploy') {", '      steps {');
    jf.secret(`        sh 'curl -H "PRIVATE-TOKEN: ${glpat(r)}" https://gitlab.acme.io/api/v4/projects'`, 'gitlab:pat');
    jf.secret(`        sh "mysql -h db -u root -p'${mixed(r, ALNUM, 16)}' < migrate.sql"`, 'cli:mysql-password');
    jf.add('      }', '    }', '  }', '}');

    const sh = file('scripts/deploy.sh');
    sh.add('#!/usr/bin/env bash', 'set -euo pipefail', '');
    sh.secret(`export VAULT_TOKEN=${vaultToken(r)}`, 'vault');
    sh.secret(`curl -s -H "Authorization: token ${ghClassic(r, 'gho_')}" https://api.github.com/user`, 'github:oauth');
    sh.secret(`curl -s -H "Authorization: Basic ${Buffer.from(`svc-deploy:${mixed(r, ALNUM, 18)}`).toString('base64')}" https://jira.acme.io/rest/api/2/issue`, 'header:basic', true);
    sh.negative('curl -s -H "Authorization: Bearer $TOKEN" https://api.acme.io/v1/me', 'placeholder:env');
    sh.negative('curl -s -H "Authorization: Bearer ${API_TOKEN}" https://api.acme.io/v1/me', 'placeholder:env');
    sh.secret(`PGPASSWORD='${mixed(r, ALNUM, 20)}' psql -h db.internal -U admin orders`, 'cli:pgpassword');
    sh.secret(`curl -X POST "https://api.telegram.org/bot${telegram(r)}/sendMessage" -d chat_id=123`, 'telegram');
    sh.secret(`psql "postgresql://admin:${mixed(r, ALNUM, 10)}%40${mixed(r, ALNUM, 8)}%21@pg.internal:5432/orders"`, 'uri:percent-encoded', true);
    sh.negative('echo "usage: deploy.sh <token>"', 'placeholder');

    // CI log with timestamps and ANSI colours
    const log = file('ci-logs/build-4512.log');
    const ts = (i: number): string => `2026-11-2${r.int(3)}T10:${String(10 + (i % 50)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${r.str(DIG, 7)}Z`;
    for (let i = 0; i < 60; i++) log.add(`${ts(i)} \x1b[36m[build]\x1b[0m step ${i}: npm ci --prefer-offline (${r.int(900)} packages)`);
    log.secret(`${ts(61)} \x1b[33mwarn\x1b[0m npm http fetch GET 401 https://registry.npmjs.org/@acme%2fui (token ${npmToken(r)})`, 'npm');
    log.negative(`${ts(62)} \x1b[32m+\x1b[0m NPM_TOKEN=***`, 'masked');
    log.secret(`${ts(63)} export AWS_SECRET_ACCESS_KEY=${awsSecret(r)}`, 'aws:secret');
    log.secret(`${ts(63)} \x1b[32m${ghClassic(r, 'ghp_')}\x1b[0m`, 'github:pat-ansi');
    log.secret(`${ts(63)} \x1b[36mDB_PASSWORD=${mixed(r, ALNUM, 16)}\x1b[39m`, 'ci:password-ansi');
    log.negative(`${ts(64)} HEAD is now at ${r.str(HEX, 7)} Merge commit '${r.str(HEX, 40)}'`, 'git-sha');
    log.negative(`${ts(65)} Digest: sha256:${r.str(HEX, 64)}`, 'docker-digest');
    log.secret(`${ts(66)} \x1b[31merror\x1b[0m connecting to mongodb://admin:${mixed(r, ALNUM, 14)}@mongo-0.mongo:27017/admin failed`, 'uri:mongodb');
    log.negative(`${ts(67)} request-id=${uuid(r)} trace=${r.str(HEX, 32)}`, 'uuid+trace');
    for (let i = 68; i < 120; i++) log.add(`${ts(i)} \x1b[36m[test]\x1b[0m ✓ ${r.pick(['orders', 'users', 'cart'])} spec ${i} (${r.int(500)} ms)`);
  }

  // ---- Patch file ---------------------------------------------------------------------------------------------
  {
    const p = file('patches/0001-add-payment-config.patch');
    p.add(`From ${r.str(HEX, 40)} Mon Sep 17 00:00:00 2001`, 'From: Dev One <dev1@acme.io>', 'Date: Tue, 10 Nov 2026 10:12:01 +0100');
    p.add('Subject: [PATCH] add payment config', '', '---', ' config/payment.yml | 4 ++++', ' 1 file changed, 4 insertions(+)', '');
    p.add('diff --git a/config/payment.yml b/config/payment.yml', 'new file mode 100644', `index 0000000..${r.str(HEX, 7)}`);
    p.add('--- /dev/null', '+++ b/config/payment.yml', '@@ -0,0 +1,4 @@', '+payment:');
    p.secret(`+  adyen_api_key: AQE${mixed(r, ALNUM, 10)}+${mixed(r, ALNUM + '+/', 60)}=-${mixed(r, ALNUM, 20)}`, 'generic:adyen');
    p.secret(`+  square_token: EAAA${mixed(r, ALNUM + '-_', 60)}`, 'square');
    p.negative('+  mode: live', 'plain');
    p.add('-- ', '2.45.2');
  }

  // ---- Docs -------------------------------------------------------------------------------------------------
  {
    const md = file('docs/getting-started.md');
    md.add('# Getting started', '', 'Set your credentials:', '', '```bash');
    md.negative('export ACME_API_KEY="YOUR_API_KEY"', 'placeholder');
    md.negative('export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE', 'vendor-doc');
    md.negative('export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'vendor-doc');
    md.negative('curl -H "Authorization: Bearer <your-token>" https://api.acme.io/v1/me', 'placeholder');
    md.add('```', '', 'Then in Python:', '', '```python');
    md.negative('client = acme.Client(api_key="sk_test_4eC39HqLyjWDarjtT1zdp7dc")', 'vendor-doc:stripe-test');
    md.negative("stripe.api_key = 'sk_live_...'", 'placeholder');
    md.add('```', '', '> Never commit real tokens. A token looks like `ghp_` followed by 36 characters.', '');
    md.negative('| `token` | string | e.g. `xoxb-xxxxxxxxxxxx-xxxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx` |', 'placeholder');
    md.add('## Troubleshooting', '', 'We accidentally pasted the staging token once, here it is for the record (rotated!):');
    md.secret(`    ${ghFine(r)}`, 'github:fine-grained');
    md.add('', 'Request IDs look like `' + uuid(r) + '`.');

    const readme = file('README.md');
    readme.add('# acme monorepo', '', '![build](data:image/svg+xml;base64,' + Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="90" height="20"><rect width="90" height="20" fill="#4c1"/></svg>').toString('base64') + ')');
    readme.negative(`Commit ${r.str(HEX, 40)} introduced the new pipeline.`, 'git-sha');
    readme.add(`The default postgres password in dev is \`postgres\`.`);

    // Jupyter notebook
    const nb = file('notebooks/analysis.ipynb');
    nb.add('{', ' "cells": [', '  {', '   "cell_type": "code",', '   "execution_count": 1,', '   "metadata": {},', '   "outputs": [],', '   "source": [');
    nb.add('    "import openai\\n",');
    nb.secret(`    "openai.api_key = \\"${openaiProj(r)}\\"\\n",`, 'openai');
    nb.secret(`    "client = Client(token=\\"${linear(r)}\\")\\n",`, 'linear');
    nb.add('    "df = load()"', '   ]', '  },', '  {', '   "cell_type": "code",', '   "execution_count": 2,', '   "metadata": {},', '   "outputs": [', '    {', '     "data": {');
    nb.negative(`      "image/png": "iVBORw0KGgoAAAANSUhEUgAAA${r.str(B64, 2000)}\\n",`, 'notebook-image');
    nb.add('      "text/plain": ["<Figure>"]', '     },', '     "output_type": "display_data"', '    }', '   ],', '   "source": ["df.plot()"]', '  }', ' ],', ' "metadata": {},', ' "nbformat": 4,', ' "nbformat_minor": 5', '}');

    const css = file('web-app/src/styles/icons.css');
    for (let i = 0; i < 8; i++) css.negative(`.icon-${i} { background-image: url("data:image/png;base64,iVBORw0KGgo${r.str(B64, 400)}"); }`, 'data-uri');
    const svg = file('web-app/src/assets/logo.svg');
    svg.add('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 64 64">');
    svg.negative(`  <image width="64" height="64" xlink:href="data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ${r.str(B64, 1500)}"/>`, 'data-uri');
    svg.add('</svg>');
  }

  // ---- Misc providers in assorted syntaxes -------------------------------------------------------------------
  {
    const y = file('ops/integrations.yaml');
    y.add('integrations:');
    y.secret(`  postman_api_key: ${postman(r)}`, 'postman');
    y.secret(`  doppler: ${dopplerSt(r)}`, 'doppler');
    y.secret(`  pulumi_access_token: ${pulumi(r)}`, 'pulumi');
    y.secret(`  discord_webhook: https://discord.com/api/webhooks/${r.str(DIG, 18)}/${mixed(r, ALNUM + '-_', 68)}`, 'discord:webhook');
    y.secret(`  teams_webhook: https://acme.webhook.office.com/webhookb2/${uuid(r)}@${uuid(r)}/IncomingWebhook/${r.str(HEX, 32)}/${uuid(r)}`, 'teams:webhook');
    y.secret(`  service_jwt: ${jwt(r)}`, 'jwt');
    y.secret(`  gitlab_token: ${glpat(r)}`, 'gitlab:pat');
    y.secret(`  github_refresh: ${ghClassic(r, 'ghr_')}`, 'github:refresh');
    y.secret(`  digitalocean: ${doToken(r)}`, 'digitalocean');
    y.negative(`  github_pat_bad_crc: ${ghBadChecksum(r)}`, 'wrong-checksum:github');
    y.secret(`  slack_user_token: ${slackUser(r)}`, 'slack:user');
    y.negative(`  github_pat_bad_len: ghp_${mixed(r, ALNUM, 20)}`, 'wrong-length:github');
    y.negative(`  aws_key_wrong_alpha: AKIA${r.str('abcdefghijklmnop', 16)}`, 'wrong-alphabet:aws');
    y.negative(`  slack_wrong: xoxb-${r.str(DIG, 4)}`, 'wrong-length:slack');
    y.negative(`  mailchimp_list_id: ${r.str(HEX, 10)}`, 'hex-id');
    y.negative(`  build_hash: ${r.str(HEX, 32)}`, 'bare-hex-hash');
    y.negative(`  correlation_id: ${uuid(r)}`, 'uuid');

    const gocfg = file('go-worker/main.go');
    gocfg.add('package main', '', 'import "github.com/stripe/stripe-go/v79"', '', 'func main() {');
    gocfg.secret(`\tstripe.Key = "${stripeRestricted(r)}"`, 'stripe:restricted');
    gocfg.secret(`\tcfg := Config{User: "worker", Password: "${password(r).replace(/[#%&*!^]/g, 'z')}", Host: "db"}`, 'go:struct-password');
    gocfg.secret(`\tclient := mailgun.NewMailgun("mg.acme.io", "${r.str(HEX, 32)}-${r.str(HEX, 8)}-${r.str(HEX, 8)}")`, 'mailgun');
    gocfg.negative('\tapiKey := os.Getenv("MAILGUN_API_KEY")', 'placeholder:getenv');
    gocfg.add('\t_ = cfg', '\t_ = client', '}');

    // percent-encoded and hex-encoded secrets
    const enc = file('ops/encoded.conf');
    enc.secret(`amqp_url = amqps://billing:${mixed(r, ALNUM, 12)}%2F${mixed(r, ALNUM, 9)}%3D@mq.acme.io/billing`, 'uri:percent-encoded', true);
    enc.secret(`callback = https://hooks.acme.io/relay?target=${encodeURIComponent(slackHook(r))}`, 'slack:webhook-percent', true);
    enc.secret(`github_token_hex = ${Buffer.from(ghClassic(r, 'ghp_')).toString('hex')}`, 'hex:github', true);
    enc.secret(`stripe_b64 = ${Buffer.from(stripeSecret(r)).toString('base64')}`, 'b64:stripe', true);
    enc.negative(`cache_digest = ${Buffer.from(r.bytes(32)).toString('hex')}`, 'bare-hex-hash');
    enc.negative(`payload_b64 = ${Buffer.from('{"event":"order.created","id":12345,"amount":1999,"currency":"eur"}').toString('base64')}`, 'b64-benign');

    // Ruby/Ruby-on-Rails credentials decrypted dump
    const rb = file('rails-shop/lib/tasks/import.rake');
    rb.add('namespace :import do', '  task run: :environment do');
    rb.secret(`    client = Octokit::Client.new(access_token: "${ghClassic(r, 'ghp_')}")`, 'github:pat');
    rb.secret(`    Aws.config.update(credentials: Aws::Credentials.new("${awsKeyId(r)}", ENV["AWS_SECRET"]))`, 'aws:key-id');
    rb.negative('    token = ENV.fetch("IMPORT_TOKEN")', 'placeholder:env');
    rb.add('  end', 'end');

    // .NET user-secrets / PHP
    const php = file('php-site/wp-config.php');
    php.add('<?php');
    php.secret(`define('DB_PASSWORD', '${password(r).replace(/'/g, '')}');`, 'php:define-password');
    php.secret(`define('AUTH_KEY',         '${mixed(r, ALNUM + '!@#%^&*()-_=+[]{}|;:,.<>?', 64).replace(/'/g, '')}');`, 'php:wp-salt');
    php.negative("define('DB_USER', 'wordpress');", 'plain');
    php.negative("define('WP_DEBUG', false);", 'plain');
  }

  // ---- Round 2: more syntaxes, encodings and hard negatives ------------------------------------------------
  {
    // Encoded: Kubernetes Secret whose keys do not say "secret" (the decoded content must carry it)
    const k = file('infra/k8s/app-config-secret.yaml');
    const envFile = `NODE_ENV=production\nSTRIPE_SECRET_KEY=${stripeSecret(r)}\nSENTRY_ENVIRONMENT=prod\n`;
    const appJson = JSON.stringify({ github: { token: ghClassic(r, 'ghp_') }, region: 'eu-west-1' });
    const conn = `Server=sql01;Database=orders;User Id=orders;Password=${mixed(r, ALNUM, 18)};`;
    k.add('apiVersion: v1', 'kind: Secret', 'metadata:', '  name: app-config', 'type: Opaque', 'data:');
    k.secret(`  .env: ${Buffer.from(envFile).toString('base64')}`, 'k8s:b64-envfile', true);
    k.secret(`  app.json: ${Buffer.from(appJson).toString('base64')}`, 'k8s:b64-json', true);
    k.secret(`  connection: ${Buffer.from(conn).toString('base64')}`, 'k8s:b64-connstring', true);
    k.secret(`  SLACK: ${Buffer.from(slackBot(r)).toString('base64')}`, 'k8s:b64-slack', true);
    k.negative(`  config.yaml: ${Buffer.from('log_level: info\nport: 8080\nfeatures:\n  - search\n  - checkout\n').toString('base64')}`, 'b64-benign');
    k.negative(`  ca.crt: ${Buffer.from(pem(r, 'CERTIFICATE', 'MIIC+zCCAeOgAwIBAgIJ', 6).join('\n')).toString('base64')}`, 'b64-certificate');

    // Sealed secrets (encrypted) and references to secret managers
    const ss = file('infra/k8s/sealed-db.yaml');
    ss.add('apiVersion: bitnami.com/v1alpha1', 'kind: SealedSecret', 'metadata:', '  name: db', 'spec:', '  encryptedData:');
    ss.negative(`    password: AgB${r.str(B64, 600)}==`, 'sealed-secret');
    ss.negative(`    api_token: AgC${r.str(B64, 560)}=`, 'sealed-secret');
    const refs = file('infra/refs.yaml');
    refs.negative('db_password: vault:secret/data/orders/db#password', 'secret-ref');
    refs.negative('api_token: "{{resolve:secretsmanager:prod/orders/api:SecretString:token}}"', 'secret-ref');
    refs.negative('client_secret: "@Microsoft.KeyVault(SecretUri=https://acme-kv.vault.azure.net/secrets/client-secret/)"', 'secret-ref');
    refs.negative('secret_arn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/orders/db-AbCdEf', 'secret-ref');
    refs.negative('password: "${ssm:/prod/orders/db/password}"', 'secret-ref');
    refs.negative('smtp_password: __SMTP_PASSWORD__', 'placeholder');
    refs.negative('redis_password: "@@REDIS_PASSWORD@@"', 'placeholder');
    refs.negative('octopus_api_key: "#{Octopus.Api.Key}"', 'placeholder');
    refs.negative('app_secret: !Ref AppSecretParameter', 'expression');
    refs.negative(`kms_key_id: ${uuid(r)}`, 'uuid');
    refs.negative(`subscription_id: ${uuid(r)}`, 'uuid');
    refs.negative(`HEROKU_APP_ID: ${uuid(r)}`, 'uuid:heroku-app-id');
    refs.negative(`session_id: ${r.str(HEX, 32)}`, 'bare-hex');
    refs.negative('password_min_length: 12', 'number');
    refs.negative('token_endpoint: https://login.acme.io/oauth2/token', 'url');
    refs.negative(`ssh_fingerprint: SHA256:${r.str(B64, 43)}`, 'fingerprint');

    // Lockfiles of other ecosystems
    const pnpm = file('web-app/pnpm-lock.yaml');
    pnpm.add("lockfileVersion: '9.0'", '', 'packages:', '');
    for (let i = 0; i < 25; i++) {
      pnpm.add(`  ${r.pick(['react', 'vite', 'rollup', 'esbuild'])}-${r.str(LO, 5)}@1.${i}.0:`);
      pnpm.negative(`    resolution: {integrity: sha512-${r.str(B64, 86)}==}`, 'lockfile-integrity');
    }
    const cargo = file('rust-agent/Cargo.lock');
    for (let i = 0; i < 20; i++) {
      cargo.add('[[package]]', `name = "${r.str(LO, 7)}"`, `version = "0.${i}.3"`, 'source = "registry+https://github.com/rust-lang/crates.io-index"');
      cargo.negative(`checksum = "${r.str(HEX, 64)}"`, 'lockfile-checksum');
      cargo.add('');
    }
    const poetry = file('django-portal/poetry.lock');
    for (let i = 0; i < 15; i++) {
      poetry.add('[[package]]', `name = "${r.str(LO, 6)}"`, `version = "2.${i}.0"`, 'files = [');
      poetry.negative(`    {file = "${r.str(LO, 6)}-2.${i}.0-py3-none-any.whl", hash = "sha256:${r.str(HEX, 64)}"},`, 'lockfile-hash');
      poetry.add(']', '');
    }
    const composer = file('php-site/composer.lock');
    composer.add('{', '    "content-hash": "' + r.str(HEX, 32) + '",', '    "packages": [');
    for (let i = 0; i < 10; i++) {
      composer.add('        {', `            "name": "vendor/${r.str(LO, 6)}",`, '            "source": {', '                "type": "git",');
      composer.negative(`                "reference": "${r.str(HEX, 40)}"`, 'git-sha');
      composer.add('            },', '            "dist": {');
      composer.negative(`                "shasum": "${r.str(HEX, 40)}"`, 'lockfile-sha1');
      composer.add('            }', `        }${i < 9 ? ',' : ''}`);
    }
    composer.add('    ]', '}');
    const tflock = file('infra/terraform/.terraform.lock.hcl');
    tflock.add('provider "registry.terraform.io/hashicorp/aws" {', '  version     = "5.70.0"', '  hashes = [');
    for (let i = 0; i < 12; i++) tflock.negative(i < 2 ? `    "h1:${r.str(B64, 43)}=",` : `    "zh:${r.str(HEX, 64)}",`, 'lockfile-hash');
    tflock.add('  ]', '}');
    const nuget = file('dotnet-api/src/Api/packages.lock.json');
    nuget.add('{', '  "version": 1,', '  "dependencies": {', '    "net8.0": {');
    for (let i = 0; i < 10; i++) {
      nuget.add(`      "Acme.Lib${i}": {`, '        "type": "Direct",', '        "requested": "[1.0.0, )",', '        "resolved": "1.0.0",');
      nuget.negative(`        "contentHash": "${r.str(B64, 86)}=="`, 'lockfile-hash');
      nuget.add(`      }${i < 9 ? ',' : ''}`);
    }
    nuget.add('    }', '  }', '}');
    const gomod = file('go-gateway/go.mod');
    gomod.add('module github.com/acme/gateway', '', 'go 1.22', '', 'require (');
    for (let i = 0; i < 8; i++) gomod.negative(`\tgithub.com/acme/lib${i} v0.0.0-2024${r.str(DIG, 10)}-${r.str(HEX, 12)}`, 'pseudo-version');
    gomod.add(')');

    // HTML with SRI, CSP nonce, inline SVG data
    const html = file('web-app/public/index.html');
    html.add('<!doctype html>', '<html>', '<head>');
    html.negative(`  <script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/js/bootstrap.bundle.min.js" integrity="sha384-${r.str(B64, 64)}" crossorigin="anonymous"></script>`, 'sri');
    html.negative(`  <meta http-equiv="Content-Security-Policy" content="script-src 'nonce-${r.str(B64, 22)}=='">`, 'csp-nonce');
    html.negative(`  <link rel="icon" href="data:image/x-icon;base64,AAABAAEAEBAAAAEAIABoBAAAFgAAACgAAAAQAAAAIAAAAAEAIAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAD${r.str(B64, 300)}">`, 'data-uri');
    html.negative(`  <meta name="google-site-verification" content="${mixed(r, ALNUM + '_-', 43)}">`, 'public-id');
    html.negative(`  <input type="hidden" name="csrf_token" value="${mixed(r, ALNUM, 40)}">`, 'csrf');
    html.add('</head>', '<body><div id="root"></div></body>', '</html>');
    const font = file('web-app/src/styles/fonts.css');
    font.negative(`@font-face { font-family: "Inter"; src: url(data:font/woff2;base64,d09GMgABAAAAA${r.str(B64, 1200)}) format("woff2"); }`, 'data-uri');
    const smap = file('web-app/public/dist/app.js.map');
    smap.negative(`{"version":3,"sources":["../src/index.ts"],"names":["apiKey","token"],"mappings":"${Array.from({ length: 300 }, () => r.str('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 4 + r.int(4))).join(',')}"}`, 'sourcemap');

    // Public keys / certificates in JSON and JWKS; PGP public key and signature
    const jwks = file('auth-service/keys/jwks.json');
    jwks.add('{"keys": [{');
    jwks.add('  "kty": "RSA",', '  "use": "sig",', `  "kid": "${r.str(HEX, 40)}",`, '  "alg": "RS256",');
    jwks.negative(`  "n": "${b64u(r.bytes(256))}",`, 'jwk-public');
    jwks.add('  "e": "AQAB"', '}]}');
    const jwkPriv = file('auth-service/keys/signing-jwk.json');
    jwkPriv.add('{', '  "kty": "EC",', '  "crv": "P-256",', `  "x": "${b64u(r.bytes(32))}",`, `  "y": "${b64u(r.bytes(32))}",`);
    jwkPriv.secret(`  "d": "${b64u(r.bytes(32))}"`, 'jwk:private');
    jwkPriv.add('}');
    const certJson = file('auth-service/config/tls.json');
    certJson.negative(`{"certificate": "${pem(r, 'CERTIFICATE', 'MIIDdzCCAl+gAwIBAgIE', 10).join('\\n')}\\n",`, 'certificate-json');
    certJson.secretBlock([` "key": "${pem(r, 'PRIVATE KEY', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 12).join('\\n')}\\n"}`], 0, 'pem:json-escaped');
    const pgp = file('docs/KEYS');
    pgp.add('-----BEGIN PGP PUBLIC KEY BLOCK-----', '');
    for (let i = 0; i < 10; i++) pgp.negative(r.str(B64, 64), 'pgp-public');
    pgp.add(`=${r.str(B64, 4)}`, '-----END PGP PUBLIC KEY BLOCK-----');
    const pgpPriv = file('infra/gpg/release-signing.asc');
    pgpPriv.secretBlock(['-----BEGIN PGP PRIVATE KEY BLOCK-----', '', ...Array.from({ length: 12 }, () => r.str(B64, 64)), `=${r.str(B64, 4)}`, '-----END PGP PRIVATE KEY BLOCK-----'], 0, 'pgp:private');

    // YAML block scalar with a private key, git config with token in URL, Dockerfile
    const ansible = file('infra/ansible/roles/deploy/defaults/main.yml');
    ansible.add('deploy_user: deploy', 'deploy_ssh_key: |');
    ansible.secretBlock(pem(r, 'RSA PRIVATE KEY', 'MIIEpAIBAAKCAQEA', 10).map((l) => '  ' + l), 0, 'pem:yaml-block');
    ansible.negative('deploy_ssh_pub: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI' + r.str(B64, 43) + ' deploy@ci"', 'public-key');
    const gitcfg = file('ci-tools/gitconfig');
    gitcfg.add('[user]', '  name = CI Bot', '  email = ci@acme.io', '[url "https://github.com/"]');
    gitcfg.secret(`  insteadOf = https://x-access-token:${ghClassic(r, 'ghs_')}@github.com/`, 'github:app');
    gitcfg.add('[remote "origin"]');
    gitcfg.secret(`  url = https://oauth2:${glpat(r)}@gitlab.acme.io/platform/infra.git`, 'gitlab:pat');
    const df = file('node-shop/Dockerfile');
    df.crlf = true;
    df.add('FROM node:20-alpine', 'WORKDIR /app', 'COPY package*.json ./');
    df.secret(`ENV NPM_TOKEN=${npmToken(r)}`, 'npm');
    df.secret(`ARG SENTRY_AUTH_TOKEN=${sentryUser(r)}`, 'sentry:user');
    df.secret(`ENV SESSION_SECRET ${mixed(r, ALNUM, 32)}`, 'docker:env-secret');
    df.negative('ARG GITHUB_TOKEN', 'plain');
    df.negative('RUN --mount=type=secret,id=npm,target=/root/.npmrc npm ci', 'plain');
    df.add('CMD ["node", "server.js"]');

    // Python / Go / Java / C# / Kotlin syntaxes
    const py = file('python-etl/etl/clients.py');
    py.add('import psycopg2', 'import boto3', '');
    py.secret(`conn = psycopg2.connect(host="pg.internal", user="etl", password="${mixed(r, ALNUM, 18)}", dbname="dw")`, 'python:kwarg-password');
    py.secret(`s3 = boto3.client("s3", aws_access_key_id="${awsKeyId(r)}", aws_secret_access_key="${awsSecret(r)}")`, 'aws:kwargs');
    py.secret(`headers = {"Authorization": "Bearer ${mixed(r, ALNUM, 32)}", "Accept": "application/json"}`, 'python:bearer-dict');
    py.negative('headers = {"Authorization": f"Bearer {token}"}', 'expression');
    py.negative('headers = {"Authorization": "Bearer " + os.environ["API_TOKEN"]}', 'placeholder:environ');
    py.secret(`os.environ.setdefault("DATADOG_API_KEY", "${datadogApi(r)}")`, 'datadog');
    py.negative('api_key = settings.PARTNER_API_KEY', 'expression');
    py.negative('password = getpass.getpass("DB password: ")', 'expression');
    py.negative(`EXAMPLE_KEY = "${awsKeyId(r)}"  # shape only, used by the docs`, 'example-name');
    const go = file('go-worker/internal/notify/slack.go');
    go.add('package notify', '', 'import "os"', '');
    go.secret(`const webhookURL = "${slackHook(r)}"`, 'slack:webhook');
    go.secret(`func init() { os.Setenv("DB_PASSWORD", "${mixed(r, ALNUM, 16)}") }`, 'go:setenv-password');
    go.secret(`var client = twilio.NewRestClientWithParams(twilio.ClientParams{Username: "AC${r.str(HEX, 32)}", Password: "${hex32(r)}"})`, 'twilio:auth-token');
    go.negative('var token = os.Getenv("SLACK_TOKEN")', 'placeholder:getenv');
    const kt = file('android-app/app/build.gradle.kts');
    kt.add('android {', '    signingConfigs {', '        create("release") {', '            storeFile = file("release.jks")');
    kt.secret(`            storePassword = "${mixed(r, ALNUM, 16)}"`, 'gradle:password');
    kt.secret(`            keyPassword = "${mixed(r, ALNUM, 16)}"`, 'gradle:password');
    kt.add('        }', '    }', '    defaultConfig {');
    kt.secret(`        buildConfigField("String", "MAPS_API_KEY", "\\"${googleApi(r)}\\"")`, 'gcp:api-key');
    kt.negative('        buildConfigField("String", "API_URL", "\\"https://api.acme.io\\"")', 'url');
    kt.add('    }', '}');
    const gp = file('android-app/gradle.properties');
    gp.add('org.gradle.jvmargs=-Xmx2048m', 'android.useAndroidX=true');
    gp.secret(`artifactoryPassword=${mixed(r, ALNUM, 20)}`, 'gradle:password');
    gp.secret(`mavenCentralToken=${mixed(r, ALNUM + '+/', 44)}`, 'generic:token');
    const csx = file('dotnet-api/src/Api/Program.cs');
    csx.add('var builder = WebApplication.CreateBuilder(args);');
    csx.secret(`builder.Services.AddStackExchangeRedisCache(o => o.Configuration = "redis.internal:6380,password=${mixed(r, ALNUM, 24)},ssl=True");`, 'redis:connstring');
    csx.secret(`var blob = new BlobServiceClient("DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey=${azureAccountKey(r)};EndpointSuffix=core.windows.net");`, 'azure:storage');
    csx.negative('var cs = builder.Configuration.GetConnectionString("Default");', 'expression');
    csx.secret(`const string ClientSecret = "${r.str(ALNUM, 3)}8Q~${mixed(r, ALNUM + '_~.-', 31)}";`, 'azure:client-secret');

    // Okta, Atlassian, Datadog app key, New Relic, Cloudflare origin CA, Azure SAS URL
    const ops = file('ops/monitoring.env');
    ops.secret(`OKTA_API_TOKEN=00${mixed(r, ALNUM + '-_', 40)}`, 'okta');
    ops.secret(`JIRA_API_TOKEN=ATATT3xFfGF0${mixed(r, ALNUM + '-_', 170)}=${r.str(HEX.toUpperCase(), 8)}`, 'atlassian');
    ops.secret(`DD_APP_KEY=${r.str(HEX, 40)}`, 'datadog:app');
    ops.secret(`NEW_RELIC_API_KEY=NRAK-${r.str(UP + DIG, 27)}`, 'newrelic:user');
    ops.secret(`BACKUP_SAS_URL=https://acmebackups.blob.core.windows.net/db?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2027-01-01T00:00:00Z&st=2026-01-01T00:00:00Z&spr=https&sig=${encodeURIComponent(Buffer.from(r.bytes(32)).toString('base64'))}`, 'azure:sas');
    ops.negative(`DD_SITE=datadoghq.eu`, 'plain');
    ops.negative(`NEW_RELIC_APP_NAME=orders-prod`, 'plain');
    ops.negative(`GIT_COMMIT=${r.str(HEX, 40)}`, 'git-sha');
    ops.negative(`BUILD_ID=${uuid(r)}`, 'uuid');

    // Patch that REMOVES a secret (still leaked in the file) and adds a placeholder
    const p2 = file('patches/0002-move-token-to-env.patch');
    p2.add(`From ${r.str(HEX, 40)} Mon Sep 17 00:00:00 2001`, 'From: Dev Two <dev2@acme.io>', 'Subject: [PATCH] read token from env', '', '---');
    p2.add('diff --git a/src/config.js b/src/config.js', `index ${r.str(HEX, 7)}..${r.str(HEX, 7)} 100644`, '--- a/src/config.js', '+++ b/src/config.js', '@@ -1,4 +1,4 @@');
    p2.add(' module.exports = {');
    p2.secret(`-  slackToken: '${slackBot(r)}',`, 'slack:bot');
    p2.negative('+  slackToken: process.env.SLACK_TOKEN,', 'placeholder:process.env');
    p2.add('   channel: "#deploys",', ' };', '-- ', '2.45.2');

    // CI log: env dump with masking, a leaked base64 basic header, and a docker login warning
    const log = file('ci-logs/deploy-991.log');
    for (let i = 0; i < 30; i++) log.add(`##[group]Run step ${i}`, `  shell: /usr/bin/bash -e {0}`, '##[endgroup]');
    log.negative('  GITHUB_TOKEN: ***', 'masked');
    log.negative('  NPM_TOKEN: ***', 'masked');
    log.secret(`  TF_VAR_db_password: ${mixed(r, ALNUM, 20)}`, 'ci:env-password');
    log.secret(`< WWW-Authenticate: Basic realm="x"  > Authorization: Basic ${Buffer.from(`svc-ci:${mixed(r, ALNUM, 16)}`).toString('base64')}`, 'header:basic', true);
    log.negative('WARNING! Using --password via the CLI is insecure. Use --password-stdin.', 'plain');
    log.negative(`Login Succeeded`, 'plain');

    // Markdown doc with realistic-but-documented values
    const md = file('docs/api/authentication.md');
    md.add('# Authentication', '', 'Send your key in the `X-Api-Key` header:', '', '```http');
    md.negative('X-Api-Key: <your-api-key>', 'placeholder');
    md.add('```', '', 'Example request:', '', '```bash');
    md.negative('curl -u admin:admin http://localhost:8080/api', 'placeholder');
    md.negative('curl -u "$API_USER:$API_PASSWORD" https://api.acme.io', 'placeholder:env');
    md.negative('export SLACK_BOT_TOKEN=xoxb-your-bot-token', 'placeholder');
    md.negative('export TOKEN=$(vault kv get -field=token secret/ci)', 'expression');
    md.add('```', '', 'Webhook signatures use HMAC-SHA256; a signature looks like:', '');
    md.negative(`    X-Signature: sha256=${r.str(HEX, 64)}`, 'signature');
    md.add('', 'JWTs without a signature (`alg: none`) are rejected:', '');
    md.negative(`    ${b64u(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64u(JSON.stringify({ sub: 'demo' }))}.`, 'jwt-none');
  }

  // ---- Round 3: positional credentials, path-scoped secrets, more encodings ------------------------------------
  {
    const mk = file('rails-shop/config/master.key');
    mk.secret(r.str(HEX, 32), 'rails:master-key');
    const mk2 = file('rails-shop/config/credentials.yml.enc');
    mk2.negative(`${r.str(B64, 300)}--${r.str(B64, 16)}--${r.str(B64, 22)}==`, 'rails:encrypted-credentials');
    const tw = file('python-etl/etl/sms.py');
    tw.add('from twilio.rest import Client', '');
    tw.secret(`client = Client("AC${r.str(HEX, 32)}", "${hex32(r)}")`, 'twilio:client-positional');
    tw.negative('client = Client(os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"])', 'placeholder:environ');
    const java = file('java-legacy/src/main/java/com/acme/legacy/Db.java');
    java.add('package com.acme.legacy;', '', 'import java.sql.*;', '', 'final class Db {', '  static Connection open() throws SQLException {');
    java.secret(`    return DriverManager.getConnection("jdbc:postgresql://pg.internal:5432/legacy", "legacy", "${mixed(r, ALNUM, 16)}");`, 'java:getConnection');
    java.negative('    // return DriverManager.getConnection(url, user, System.getenv("DB_PASSWORD"));', 'expression');
    java.add('  }', '}');
    const php = file('php-site/src/db.php');
    php.add('<?php');
    php.secret(`$pdo = new PDO('mysql:host=db;dbname=shop;charset=utf8mb4', 'shop', '${mixed(r, ALNUM, 16)}');`, 'php:pdo');
    php.negative("$pdo2 = new PDO($dsn, $user, getenv('DB_PASSWORD'));", 'placeholder:getenv');
    const sh = file('scripts/bootstrap-ci.sh');
    sh.add('#!/bin/sh', 'set -e');
    sh.secret(`aws configure set aws_secret_access_key ${awsSecret(r)} --profile ci`, 'aws:secret-cli');
    sh.secret(`redis-cli -h cache.internal -a ${mixed(r, ALNUM, 20)} FLUSHALL`, 'cli:redis');
    sh.secret(`keytool -importkeystore -srckeystore in.p12 -destkeystore out.jks -deststorepass ${mixed(r, ALNUM, 14)}`, 'cli:keytool');
    sh.negative('keytool -list -keystore out.jks -storepass:env STORE_PASS', 'placeholder:env');
    // double-encoded: base64 of a base64 docker config auth
    const inner = JSON.stringify({ auths: { 'registry.acme.io': { auth: Buffer.from(`robot$ci:${mixed(r, ALNUM, 32)}`).toString('base64') } } });
    const env = file('.github/workflows/release.yml');
    env.add('name: release', 'on: [push]', 'env:');
    env.secret(`  DOCKER_CONFIG_B64: ${Buffer.from(Buffer.from(inner).toString('base64')).toString('base64')}`, 'ci:b64-b64-dockerconfig', true);
    env.secret(`  AWS_CREDENTIALS_FILE: ${Buffer.from(`[default]\naws_access_key_id = ${awsKeyId(r)}\naws_secret_access_key = ${awsSecret(r)}\n`).toString('base64')}`, 'ci:b64-aws-credentials', true);
    env.secret(`  GCP_SA_KEY: ${Buffer.from(JSON.stringify({ type: 'service_account', project_id: 'acme-prod', private_key_id: r.str(HEX, 40), private_key: pem(r, 'PRIVATE KEY', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 16).join('\n') + '\n', client_email: 'ci@acme-prod.iam.gserviceaccount.com' })).toString('base64')}`, 'ci:b64-gcp-sa', true);
    env.negative(`  ICON_B64: ${Buffer.from(r.bytes(300)).toString('base64')}`, 'b64-binary');
    env.add('jobs:', '  build:', '    runs-on: ubuntu-latest', '    steps:', '      - run: make release');
  }

  // ---- Ordinary code (filler, FP/MB denominator) ---------------------------------------------------------
  for (let i = 0; i < 12; i++) {
    raw.push({ rel: `node-shop/src/routes/route${i}.js`, content: fillerJs(r, 60) });
    raw.push({ rel: `django-portal/portal/views/view${i}.py`, content: fillerPy(r, 60) });
    raw.push({ rel: `go-gateway/internal/handlers/h${i}.go`, content: fillerGo(r, 50) });
    raw.push({ rel: `java-orders/src/main/java/com/acme/orders/Svc${i}.java`, content: fillerJava(r, 60) });
  }

  // ---- Write --------------------------------------------------------------------------------------------------
  rmSync(root, { recursive: true, force: true });
  let bytes = 0;
  const secrets: Planted[] = [];
  const negatives: HardNegative[] = [];
  for (const f of files) {
    const abs = path.join(root, f.rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    const t = f.text();
    writeFileSync(abs, t);
    bytes += Buffer.byteLength(t);
    secrets.push(...f.secrets);
    negatives.push(...f.negatives);
  }
  for (const f of raw) {
    const abs = path.join(root, f.rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, f.content);
    bytes += Buffer.byteLength(f.content);
  }
  writeFileSync(path.join(root, '..', 'quality2-manifest.json'), JSON.stringify({ secrets, negatives }, null, 1));
  return { root, files: files.length + raw.length, bytes, secrets, negatives };
}
