/**
 * Detection-quality corpus #3, written blind (without looking at patterns/*.toml or the other corpora): realistic
 * project trees (Node, Python, Go, Java, Ruby, .NET, PHP, infrastructure, docs, CI logs, patches) with planted
 * real-format secrets and planted hard negatives, often in the same file. Deterministic for a given seed.
 *
 * Every secret is synthetic: random characters in the provider's format (checksummed formats get a valid checksum,
 * the "wrong checksum" negatives get a wrong one on purpose).
 *
 * The manifest lists, per file, the 1-based line ranges that hold a secret (`positives`); anything else the scanner
 * reports is a false positive. `negatives` lists the planted hard negatives only to label false positives.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { base62, crc32 } from '../../src/core/validators.js';
import { mulberry32 } from '../../test/support/prng.js';

export interface PlantedPositive {
  readonly file: string;
  readonly line: number;
  readonly endLine: number;
  readonly label: string;
  /** The secret as planted (for the redacted report only). */
  readonly secret: string;
  readonly encoded: boolean;
}
export interface PlantedNegative { readonly file: string; readonly line: number; readonly label: string }
export interface Corpus {
  readonly root: string;
  readonly positives: PlantedPositive[];
  readonly negatives: PlantedNegative[];
  readonly bytes: number;
  readonly files: number;
}

// ---- seeded randomness -------------------------------------------------------------------------------------------

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = '0123456789abcdef';
const B64 = ALNUM + '+/';
const B64URL = ALNUM + '-_';
const B32 = UPPER + '234567';

class Gen {
  readonly rnd: () => number;
  constructor(seed: number) { this.rnd = mulberry32(seed); }
  int(lo: number, hi: number): number { return lo + Math.floor(this.rnd() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.rnd() * xs.length)]!; }
  /** Random string over `alphabet`, guaranteed to mix character classes when the alphabet has them. */
  str(alphabet: string, n: number): string {
    for (;;) {
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.rnd() * alphabet.length)];
      if (n < 8) return s;
      const classes = [UPPER, LOWER, DIGITS].filter((c) => [...alphabet].some((a) => c.includes(a)));
      if (classes.every((c) => [...s].some((ch) => c.includes(ch)))) return s;
    }
  }
  hex(n: number): string { return this.str(HEX, n); }
  alnum(n: number): string { return this.str(ALNUM, n); }
  uuid(): string { const h = this.hex(32); return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`; }
  /** A password a person would choose for a service account: letters, digits, a symbol or two. */
  /** A password as it appears inside a URL's userinfo (characters that would need percent-encoding left out). */
  urlPassword(n = 16): string { return this.str(ALNUM, n - 1).replace(/^(.{4})/, `$1${this.pick(['-', '_', '.', '~', '!', '*'])}`); }
  password(n = 16): string {
    const sym = '!#%*-_.@$^';
    let s = this.str(ALNUM, n - 2);
    s = s.slice(0, 5) + sym[this.int(0, sym.length - 1)] + s.slice(5) + sym[this.int(0, 4)];
    return s;
  }

  // -- provider formats --
  awsKeyId(): string { return 'AKIA' + this.str(B32, 16); }
  awsSecret(): string { return this.str(ALNUM + '+/', 40); }
  ghpValid(prefix = 'ghp_'): string { const body = this.alnum(30); return prefix + body + base62(crc32(body), 6); }
  ghpInvalid(prefix = 'ghp_'): string {
    const body = this.alnum(30);
    const good = base62(crc32(body), 6);
    let bad = this.alnum(6);
    while (bad === good) bad = this.alnum(6);
    return prefix + body + bad;
  }
  githubFineGrained(): string { return 'github_pat_' + this.str(ALNUM, 22) + '_' + this.str(ALNUM, 59); }
  npmValid(): string { return this.ghpValid('npm_'); }
  slackBot(): string { return `xoxb-${this.str(DIGITS, 12)}-${this.str(DIGITS, 13)}-${this.alnum(24)}`; }
  slackUser(): string { return `xoxp-${this.str(DIGITS, 12)}-${this.str(DIGITS, 12)}-${this.str(DIGITS, 13)}-${this.hex(32)}`; }
  slackWebhook(): string { return `https://hooks.slack.com/services/T${this.str(UPPER + DIGITS, 8)}/B${this.str(UPPER + DIGITS, 10)}/${this.alnum(24)}`; }
  stripeLive(): string { return 'sk_live_' + this.alnum(99).slice(0, this.pick([24, 99])); }
  stripeRestricted(): string { return 'rk_live_' + this.alnum(99); }
  stripePublishable(): string { return 'pk_live_' + this.alnum(99); }
  googleApiKey(): string { return 'AIza' + this.str(B64URL, 35); }
  openaiProject(): string { return 'sk-proj-' + this.str(B64URL, 74) + 'T3BlbkFJ' + this.str(B64URL, 74); }
  openaiLegacy(): string { return 'sk-' + this.alnum(20) + 'T3BlbkFJ' + this.alnum(20); }
  anthropic(): string { return 'sk-ant-api03-' + this.str(B64URL, 93) + 'AA'; }
  sendgrid(): string { return 'SG.' + this.str(B64URL, 22) + '.' + this.str(B64URL, 43); }
  twilioSid(): string { return 'AC' + this.hex(32); }
  twilioApiKey(): string { return 'SK' + this.hex(32); }
  mailchimp(): string { return this.hex(32) + '-us' + this.int(1, 21); }
  shopify(): string { return 'shpat_' + this.hex(32); }
  gitlab(): string { return 'glpat-' + this.str(B64URL, 20); }
  dockerHub(): string { return 'dckr_pat_' + this.str(B64URL, 27); }
  /** A PyPI token is base64url of a v2 macaroon: location pypi.org, JSON identifier, one caveat, 32-byte signature. */
  pypi(): string {
    const field = (type: number, data: Buffer): Buffer => Buffer.concat([Buffer.from([type, data.length]), data]);
    const ident = Buffer.from(JSON.stringify({ nonce: this.hex(32), version: 1 }));
    const caveat = Buffer.from(JSON.stringify({ permissions: 'user', version: 1 }));
    const sig = Buffer.from(this.hex(64), 'hex');
    const mac = Buffer.concat([Buffer.from([2]), field(1, Buffer.from('pypi.org')), field(2, ident), Buffer.from([0]),
      field(2, caveat), Buffer.from([0]), Buffer.from([0]), field(6, sig)]);
    return 'pypi-' + mac.toString('base64url');
  }
  vault(): string { return 'hvs.' + this.str(B64URL, 90); }
  telegram(): string { return `${this.int(100000000, 999999999)}:AA${this.str(B64URL, 33)}`; }
  databricks(): string { return 'dapi' + this.hex(32); }
  newRelic(): string { return 'NRAK-' + this.str(UPPER + DIGITS, 27); }
  linear(): string { return 'lin_api_' + this.alnum(40); }
  azureClientSecret(): string { return this.str(ALNUM, 3) + '8Q~' + this.str(ALNUM + '~._-', 31).replace(/^[-.~_]/, 'a'); }
  azureStorageKey(): string { return this.str(B64, 86) + '=='; }
  doppler(): string { return 'dp.st.prd.' + this.alnum(43); }
  pulumi(): string { return 'pul-' + this.hex(40); }
  age(): string { return 'AGE-SECRET-KEY-1' + this.str('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L'.toUpperCase(), 58); }
  jwt(): string {
    const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = 1712000000 + this.int(0, 9_000_000);
    return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: this.uuid(), role: 'service', iat: now, exp: now + 31536000 })}.${this.str(B64URL, 43)}`;
  }
  privateKeyBody(lines = 25): string[] {
    const out: string[] = [];
    for (let i = 0; i < lines; i++) out.push(this.str(B64, 64));
    out.push(this.str(B64, 40) + '==');
    return out;
  }
  sha1(): string { return this.hex(40); }
  sha256(): string { return this.hex(64); }
  b64(n: number): string { return this.str(B64, n); }
}

// ---- file builder ------------------------------------------------------------------------------------------------
interface Mark { kind: 'pos' | 'neg'; line: number; endLine: number; label: string; secret: string; encoded: boolean }

class FileB {
  readonly lines: string[] = [];
  readonly marks: Mark[] = [];
  crlf = false;
  bom = false;
  finalNewline = true;
  constructor(readonly rel: string) {}
  /** Plain lines (the text may hold several). */
  t(...texts: string[]): this {
    for (const text of texts) this.lines.push(...text.split('\n'));
    return this;
  }
  /** One or more lines holding a secret; the whole range counts (a finding on any line of it is a hit). */
  p(label: string, secret: string, text: string, encoded = false): this {
    const start = this.lines.length + 1;
    this.t(text);
    this.marks.push({ kind: 'pos', line: start, endLine: this.lines.length, label, secret, encoded });
    return this;
  }
  /** A secret somewhere inside a multi-line text: only the line that holds `needle` counts. */
  pAt(label: string, secret: string, text: string, needle: string, encoded = false): this {
    const start = this.lines.length + 1;
    const parts = text.split('\n');
    const idx = parts.findIndex((l) => l.includes(needle));
    if (idx < 0) throw new Error(`generate: needle not in text for ${label} in ${this.rel}`);
    this.t(text);
    this.marks.push({ kind: 'pos', line: start + idx, endLine: start + idx, label, secret, encoded });
    return this;
  }
  n(label: string, text: string): this {
    const start = this.lines.length + 1;
    this.t(text);
    for (let l = start; l <= this.lines.length; l++) this.marks.push({ kind: 'neg', line: l, endLine: l, label, secret: '', encoded: false });
    return this;
  }
  render(): Buffer {
    const eol = this.crlf ? '\r\n' : '\n';
    let s = this.lines.join(eol);
    if (this.finalNewline) s += eol;
    const body = Buffer.from(s, 'utf8');
    return this.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
  }
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const hexOf = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

// ---- the corpus --------------------------------------------------------------------------------------------------
function buildFiles(g: Gen): FileB[] {
  const files: FileB[] = [];
  const f = (rel: string): FileB => { const fb = new FileB(rel); files.push(fb); return fb; };

  // ===== Node service =====
  {
    const aws = g.awsKeyId(), awsS = g.awsSecret(), sk = g.stripeLive(), sg = g.sendgrid();
    const e = f('node-api/.env');
    e.t('# local development settings', 'NODE_ENV=development', 'PORT=3000', '');
    e.p('aws-access-key-id', aws, `AWS_ACCESS_KEY_ID=${aws}`);
    e.p('aws-secret-access-key', awsS, `AWS_SECRET_ACCESS_KEY=${awsS}`);
    e.n('publishable key', `STRIPE_PUBLISHABLE_KEY=${g.stripePublishable()}`);
    e.p('stripe-live', sk, `STRIPE_SECRET_KEY=${sk}`);
    e.n('env reference', 'GITHUB_TOKEN=${GITHUB_TOKEN}');
    e.n('placeholder', 'SESSION_SECRET=changeme');
    e.n('placeholder', 'MAPS_API_KEY=YOUR_API_KEY');
    e.n('number', 'PASSWORD_RESET_TOKEN_EXPIRY=3600');
    e.p('sendgrid (EOF, no newline)', sg, `SENDGRID_API_KEY=${sg}`);
    e.finalNewline = false;

    const ex = f('node-api/.env.example');
    ex.n('example file placeholders', 'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nSTRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\nSENDGRID_API_KEY=<your-sendgrid-key>\nDATABASE_URL=postgres://user:password@localhost:5432/app');

    const gh = g.ghpValid(), ghBad = g.ghpInvalid(), dbPw = g.urlPassword(18), cs = g.alnum(40), goog = g.googleApiKey();
    const c = f('node-api/src/config.js');
    c.t("'use strict';", "const path = require('path');", '');
    c.p('github-pat fallback', gh, `const githubToken = process.env.GITHUB_TOKEN || '${gh}';`);
    c.n('ghp with wrong checksum', `const legacyToken = '${ghBad}';`);
    c.n('env reference', 'const apiKey = process.env.API_KEY;');
    c.n('commit sha', `const BUILD_COMMIT = '${g.sha1()}';`);
    c.n('uuid request id', `const defaultTenant = '${g.uuid()}';`);
    c.t('', '// inline fixture for the docker entrypoint', 'const envFile = `');
    c.pAt('postgres url in template literal', dbPw, `NODE_ENV=production\nDATABASE_URL=postgres://app_rw:${dbPw}@db.prod.internal:5432/orders\nREDIS_URL=redis://cache:6379/0\n\`;`, 'DATABASE_URL');
    c.t('');
    c.p('client_secret inside JSON string', cs, `const oauth = JSON.parse('{"client_id":"orders-service","client_secret":"${cs}","scope":"read write"}');`);
    c.n('token type', "const tokenType = 'bearer';");
    c.n('csrf name only', "const CSRF_HEADER = 'X-CSRF-Token';");
    c.t('', 'module.exports = {', '  port: Number(process.env.PORT || 3000),');
    c.p('google api key in object', goog, `  maps: { key: "${goog}" },`);
    c.t('  githubToken,', '  envFile,', '  oauth,', '};');

    const lock = f('node-api/package-lock.json');
    lock.t('{', '  "name": "node-api",', '  "version": "1.4.2",', '  "lockfileVersion": 3,', '  "requires": true,', '  "packages": {');
    for (const name of ['express', 'body-parser', 'debug', 'ms', 'qs', 'side-channel', 'jsonwebtoken', 'lodash']) {
      lock.t(`    "node_modules/${name}": {`, `      "version": "${g.int(1, 9)}.${g.int(0, 20)}.${g.int(0, 9)}",`, `      "resolved": "https://registry.npmjs.org/${name}/-/${name}-4.18.2.tgz",`);
      lock.n('integrity hash', `      "integrity": "sha512-${g.b64(86)}=="`);
      lock.t('    },');
    }
    lock.t('    "node_modules/zod": {', '      "version": "3.22.4"', '    }', '  }', '}');

    const npmTok = g.npmValid();
    const rc = f('node-api/.npmrc');
    rc.t('registry=https://registry.npmjs.org/', '@acme:registry=https://npm.pkg.github.com/');
    rc.n('env reference', '//npm.pkg.github.com/:_authToken=${GH_PACKAGES_TOKEN}');
    rc.p('npm token', npmTok, `//registry.npmjs.org/:_authToken=${npmTok}`);

    // minified bundle with an embedded key in a very long line
    const key2 = g.googleApiKey();
    const min = f('node-api/public/static/js/main.8f3c2a1b.js');
    const ident = (): string => g.str(LOWER + UPPER, g.int(1, 2));
    let pre = '!function(){"use strict";var ';
    for (let i = 0; i < 400; i++) pre += `${ident()}${i}=function(${ident()}){return ${ident()}.${g.pick(['map', 'filter', 'reduce', 'call'])}(${g.int(0, 99)})},`;
    let post = '';
    for (let i = 0; i < 400; i++) post += `${ident()}${i}.prototype.${g.pick(['render', 'update', 'setState'])}=function(){return"${g.str(LOWER + DIGITS, 8)}"};`;
    min.p('google api key in minified js', key2, `${pre}cfg={apiKey:"${key2}",authDomain:"acme-prod.firebaseapp.com",projectId:"acme-prod"};${post}}();`);
    min.n('minified only', `(self.webpackChunk=self.webpackChunk||[]).push([[179],{${Array.from({ length: 300 }, (_, i) => `${i}:function(e,t,n){n.d(t,{Z:function(){return r${g.hex(6)}}})}`).join(',')}}]);`);
    min.n('sourcemap', '//# sourceMappingURL=main.8f3c2a1b.js.map');

    const html = f('node-api/public/index.html');
    html.t('<!doctype html>', '<html lang="en">', '<head>', '  <meta charset="utf-8">');
    html.n('csrf meta template', '  <meta name="csrf-token" content="{{ csrf_token }}">');
    html.n('SRI', `  <script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/js/bootstrap.bundle.min.js" integrity="sha384-${g.b64(64)}" crossorigin="anonymous"></script>`);
    html.n('nonce', `  <script nonce="${g.b64(22)}==">window.__APP__ = {};</script>`);
    html.n('css hash', '  <link rel="stylesheet" href="/static/css/main.3f9a8b7c.chunk.css">');
    html.n('data uri', `  <link rel="icon" href="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQ${g.b64(300)}=">`);
    html.t('</head>', '<body><div id="root"></div></body>', '</html>');

    const i18n = f('node-api/src/locales/en.json');
    i18n.n('i18n strings', '{\n  "login": {\n    "username": "Username",\n    "password": "Password",\n    "forgot": "Forgot password?",\n    "token": "Access token",\n    "secret": "Secret",\n    "api_key": "API key"\n  }\n}');

    const test = f('node-api/test/auth.test.js');
    test.t("const assert = require('assert');");
    test.n('dummy variable', `const dummyToken = '${g.slackBot()}';`);
    test.n('fake variable', `const fakeSecretKey = '${g.stripeLive()}';`);
    test.n('jwt.io example', "const sampleJwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';");
    test.n('bcrypt hash fixture', "const hashed = '$2b$12$" + g.str(ALNUM + './', 53) + "';");
  }

  // ===== Python service =====
  {
    const dj = g.str(LOWER + DIGITS + '!@#%^&*(-_=+)', 50), pw = g.password(20), apw = g.password(14), tw = g.hex(32), twSid = g.twilioSid();
    const s = f('py-shop/shop/settings.py');
    s.t('import os', 'from pathlib import Path', '', 'BASE_DIR = Path(__file__).resolve().parent.parent', '');
    s.p('django secret key', dj, `SECRET_KEY = '${dj}'`);
    s.t('DEBUG = False', '', 'DATABASES = {', "    'default': {", "        'ENGINE': 'django.db.backends.postgresql',", "        'NAME': 'shop',", "        'USER': 'shop',");
    s.p('dict literal password', pw, `        'PASSWORD': '${pw}',`);
    s.t("        'HOST': 'db.internal',", '    },', "    'replica': {", "        'ENGINE': 'django.db.backends.postgresql',");
    s.n('environ reference', "        'PASSWORD': os.environ[\"DB_REPLICA_PASSWORD\"],");
    s.t('    }', '}', '');
    s.n('number', 'PASSWORD_RESET_TIMEOUT = 3600');
    s.n('token type', 'TOKEN_TYPE = "bearer"');
    s.n('secret name reference', 'AWS_SECRETS_MANAGER_SECRET_NAME = "prod-db"');
    s.t(`TWILIO_ACCOUNT_SID = "${twSid}"`); // an account id, not a secret: neither planted nor a hard negative
    const twKey = g.twilioApiKey();
    s.p('twilio api key sid', twKey, `TWILIO_API_KEY = "${twKey}"`);
    s.p('twilio auth token (hex with context)', tw, `TWILIO_AUTH_TOKEN = "${tw}"`);
    s.n('getenv', "SENTRY_DSN = os.getenv('SENTRY_DSN', '')");

    const cl = f('py-shop/shop/integrations/warehouse.py');
    cl.t('import requests', '', '', 'def sync_stock(url):');
    cl.p('requests auth tuple', apw, `    resp = requests.get(url, auth=("warehouse-sync", "${apw}"), timeout=10)`);
    cl.t('    resp.raise_for_status()', '    return resp.json()', '');
    const mc = g.mailchimp();
    cl.t('', 'def newsletter_client():', '    import mailchimp_marketing as MailchimpMarketing', '    client = MailchimpMarketing.Client()');
    cl.p('mailchimp kwargs', mc, `    client.set_config({"api_key": "${mc}", "server": "${mc.split('-')[1]}"})`);
    cl.t('    return client', '');
    cl.n('md5 of payload', `PAYLOAD_MD5 = "${g.hex(32)}"`);
    cl.n('sha256 digest', `EXPECTED_SHA256 = "${g.sha256()}"`);

    const oa = g.openaiProject(), sl = g.slackWebhook();
    const nb = f('py-shop/notebooks/exploration.ipynb');
    nb.t('{', ' "cells": [', '  {', '   "cell_type": "code",', '   "execution_count": 3,', '   "metadata": {},', '   "outputs": [', '    {', '     "name": "stdout",', '     "output_type": "stream",', '     "text": [');
    nb.p('openai key in notebook output', oa, `      "Loaded config: {'model': 'gpt-4o', 'api_key': '${oa}'}\\n"`);
    nb.t('     ]', '    },', '    {', '     "data": {');
    nb.n('png output', `      "image/png": "iVBORw0KGgoAAAANSUhEUgAAAoAAAAHgCAYAAAA10dzkAAAAOXRFWHRTb2Z0d2FyZQBNYXRwbG90bGliIHZlcnNpb24zLjcuMSwgaHR0cHM6Ly9tYXRwbG90bGliLm9yZy/bCgiHAAAACXBIWXMAAA9hAAAPYQGoP6dpAA${g.b64(400)}",`);
    nb.t('      "text/plain": [', '       "<Figure size 640x480 with 1 Axes>"', '      ]', '     },', '     "metadata": {},', '     "output_type": "display_data"', '    }', '   ],', '   "source": [', '    "import os\\n",');
    nb.p('slack webhook in notebook source', sl, `    "requests.post(\\"${sl}\\", json={\\"text\\": summary})\\n"`);
    nb.n('environ', '    "token = os.environ[\\"SECRET\\"]\\n"');
    nb.t('   ]', '  }', ' ],', ' "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},', ' "nbformat": 4,', ' "nbformat_minor": 5', '}');

    const req = f('py-shop/requirements.txt');
    req.n('pip hashes', `Django==4.2.7 \\\n    --hash=sha256:${g.sha256()} \\\n    --hash=sha256:${g.sha256()}\nrequests==2.31.0 \\\n    --hash=sha256:${g.sha256()}`);

    const pypi = g.pypi();
    const pr = f('py-shop/.pypirc');
    pr.t('[distutils]', 'index-servers =', '    pypi', '', '[pypi]', 'username = __token__');
    pr.p('pypi token in ini', pypi, `password = ${pypi}`);

    const ini = f('py-shop/config/app.ini');
    const smtp = g.password(16);
    ini.t('[server]', 'host = 0.0.0.0', 'port = 8080', '', '[smtp]', 'host = smtp.mailgun.org', 'user = postmaster@mg.acme-shop.io');
    ini.p('ini password', smtp, `password = ${smtp}`);
    ini.t('', '[database]');
    ini.n('interpolation', 'password = %(DB_PASSWORD)s');
    ini.n('placeholder', 'api_key = <token>');
    ini.n('placeholder x', 'secret = xxxxxxxxxxxxxxxx');
  }

  // ===== Go service =====
  {
    const sb = g.slackBot(), fg = g.githubFineGrained(), tg = g.telegram();
    const m = f('go-worker/cmd/worker/main.go');
    m.t('package main', '', 'import (', '\t"fmt"', '\t"os"', ')', '', 'func init() {');
    m.p('os.Setenv slack', sb, `\tos.Setenv("SLACK_BOT_TOKEN", "${sb}")`);
    m.n('os.Getenv', '\tdbPass := os.Getenv("DB_PASSWORD")');
    m.t('\t_ = dbPass', '}', '', 'const gitConfig = `');
    m.pAt('github fine-grained in raw string', fg, `[credential]\n\thelper = store\n[url "https://x-access-token:${fg}@github.com/"]\n\tinsteadOf = https://github.com/\n\``, 'x-access-token');
    m.t('');
    m.n('commit sha', `var buildCommit = "${g.sha1()}"`);
    m.p('telegram bot token', tg, `var telegramBotToken = "${tg}"`);
    m.t('', 'func main() {', '\tfmt.Println("worker starting")', '}');

    const sum = f('go-worker/go.sum');
    for (const mod of ['github.com/google/uuid v1.6.0', 'github.com/lib/pq v1.10.9', 'golang.org/x/sys v0.18.0', 'github.com/stretchr/testify v1.9.0']) {
      sum.n('go.sum hash', `${mod} h1:${g.b64(43)}=`);
      sum.n('go.sum hash', `${mod}/go.mod h1:${g.b64(43)}=`);
    }

    const tst = f('go-worker/internal/store/store_test.go');
    tst.t('package store', '', 'import "testing"', '', 'func TestOpen(t *testing.T) {');
    tst.n('placeholder dsn', '\tdsn := "postgres://user:password@localhost:5432/test?sslmode=disable"');
    tst.n('example key', '\texampleKey := "AKIAIOSFODNN7EXAMPLE"');
    tst.t('\t_ = dsn', '\t_ = exampleKey', '}');
  }

  // ===== Java (Spring) =====
  {
    const dsPw = g.password(16), jwtSecret = g.alnum(64), mailPw = g.password(14);
    const p = f('java-billing/src/main/resources/application.properties');
    p.t('spring.application.name=billing', 'spring.datasource.url=jdbc:postgresql://billing-db:5432/billing', 'spring.datasource.username=billing');
    p.p('spring datasource password', dsPw, `spring.datasource.password=${dsPw}`);
    p.n('property placeholder', 'spring.mail.password=${MAIL_PASSWORD:changeme}');
    p.p('properties continuation', jwtSecret, `app.security.jwt.secret=\\\n    ${jwtSecret}`);
    p.t('app.security.jwt.expiration-ms=86400000');
    p.n('numeric', 'app.security.password-reset-token-expiry=3600');
    p.p('mail password', mailPw, `spring.mail.properties.mail.smtp.password = ${mailPw}`);

    const awsS = g.awsSecret(), awsK = g.awsKeyId();
    const j = f('java-billing/src/main/java/com/acme/billing/S3Config.java');
    j.t('package com.acme.billing;', '', 'import org.springframework.beans.factory.annotation.Value;', '', '@Configuration', 'public class S3Config {');
    j.p('@Value default access key', awsK, `    @Value("\${aws.accessKeyId:${awsK}}")`);
    j.t('    private String accessKeyId;', '');
    j.p('@Value default secret key', awsS, `    @Value("\${aws.secretKey:${awsS}}")`);
    j.t('    private String secretKey;', '');
    j.n('@Value reference', '    @Value("${db.password}")');
    j.t('    private String dbPassword;', '}');

    const settings = f('java-billing/.mvn/settings.xml');
    const nexusPw = g.password(18);
    settings.t('<settings>', '  <servers>', '    <server>', '      <id>acme-nexus</id>', '      <username>deployer</username>');
    settings.p('maven settings password', nexusPw, `      <password>${nexusPw}</password>`);
    settings.t('    </server>', '    <server>', '      <id>central</id>');
    settings.n('env reference', '      <password>${env.CENTRAL_PASSWORD}</password>');
    settings.t('    </server>', '  </servers>', '</settings>');

    const yml = f('java-billing/src/main/resources/application-prod.yml');
    const rk = g.stripeRestricted();
    yml.t('spring:', '  datasource:', '    url: jdbc:postgresql://prod-db:5432/billing');
    yml.n('env placeholder', '    password: ${DB_PASSWORD}');
    yml.t('stripe:');
    yml.p('stripe restricted key in yaml', rk, `  api-key: ${rk}`);
    yml.n('secret name', '  secret-name: prod-db');
  }

  // ===== .NET =====
  {
    const sqlPw = g.password(16), acct = g.azureStorageKey(), csec = g.azureClientSecret();
    const a = f('dotnet-portal/src/Portal.Web/appsettings.Development.json');
    a.bom = true;
    a.crlf = true;
    a.t('{', '  "Logging": {', '    "LogLevel": { "Default": "Information" }', '  },', '  "ConnectionStrings": {');
    a.p('sql connection string password', sqlPw, `    "DefaultConnection": "Server=sql-dev.acme.local;Database=Portal;User Id=portal_app;Password=${sqlPw};TrustServerCertificate=True",`);
    a.p('azure storage account key', acct, `    "Blob": "DefaultEndpointsProtocol=https;AccountName=acmeportaldev;AccountKey=${acct};EndpointSuffix=core.windows.net"`);
    a.t('  },', '  "AzureAd": {', '    "Instance": "https://login.microsoftonline.com/",');
    a.n('guid tenant', `    "TenantId": "${g.uuid()}",`);
    a.n('guid client', `    "ClientId": "${g.uuid()}",`);
    a.p('azure ad client secret', csec, `    "ClientSecret": "${csec}"`);
    a.t('  }', '}');

    const proj = f('dotnet-portal/src/Portal.Web/Portal.Web.csproj');
    proj.crlf = true;
    proj.t('<Project Sdk="Microsoft.NET.Sdk.Web">', '  <PropertyGroup>', '    <TargetFramework>net8.0</TargetFramework>');
    proj.n('ProjectGuid', `    <ProjectGuid>{${g.uuid().toUpperCase()}}</ProjectGuid>`);
    proj.n('UserSecretsId', `    <UserSecretsId>${g.uuid()}</UserSecretsId>`);
    proj.t('  </PropertyGroup>', '</Project>');

    const sln = f('dotnet-portal/Portal.sln');
    sln.crlf = true;
    sln.t('Microsoft Visual Studio Solution File, Format Version 12.00', '# Visual Studio Version 17');
    sln.n('sln guids', `Project("{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}") = "Portal.Web", "src\\Portal.Web\\Portal.Web.csproj", "{${g.uuid().toUpperCase()}}"`);
    sln.t('EndProject', 'Global', '\tGlobalSection(SolutionProperties) = preSolution', '\t\tHideSolutionNode = FALSE', '\tEndGlobalSection');
    sln.n('sln guid', `\t\tSolutionGuid = {${g.uuid().toUpperCase()}}`);
    sln.t('EndGlobal');

    const stripeK = g.stripeLive(), wcPw = g.password(15);
    const wc = f('dotnet-portal/legacy/Web.config');
    wc.crlf = true;
    wc.t('<?xml version="1.0" encoding="utf-8"?>', '<configuration>', '  <appSettings>');
    wc.p('xml attribute stripe', stripeK, `    <add key="StripeSecretKey" value="${stripeK}" />`);
    wc.n('xml attribute publishable', `    <add key="StripePublishableKey" value="${g.stripePublishable()}" />`);
    wc.n('xml placeholder', '    <add key="SendGridApiKey" value="__SENDGRID_API_KEY__" />');
    wc.t('  </appSettings>', '  <connectionStrings>');
    wc.p('xml connection string', wcPw, `    <add name="Legacy" connectionString="Data Source=LEGACYSQL01;Initial Catalog=Portal;User ID=webapp;Password=${wcPw}" providerName="System.Data.SqlClient" />`);
    wc.t('  </connectionStrings>', '</configuration>');

    const ps = f('dotnet-portal/deploy/deploy.ps1');
    const csec2 = g.azureClientSecret();
    ps.crlf = true;
    ps.t('$ErrorActionPreference = "Stop"', '$root = "C:\\Users\\builder\\source\\repos\\Portal"');
    ps.n('windows path', '$publish = "C:\\Program Files\\dotnet\\sdk\\8.0.100\\Sdks\\Microsoft.NET.Sdk.Publish\\targets"');
    ps.p('powershell env client secret', csec2, `$env:AZURE_CLIENT_SECRET = "${csec2}"`);
    ps.n('env reference', '$env:AZURE_CLIENT_ID = $env:ARM_CLIENT_ID');
    ps.t('az login --service-principal -u $env:AZURE_CLIENT_ID -p $env:AZURE_CLIENT_SECRET --tenant acme.onmicrosoft.com');
  }

  // ===== PHP / WordPress =====
  {
    const dbpw = g.password(18), authKey = g.str(ALNUM + '!@#$%^&*()-_[]{}<>~`+=,.;:/?|', 64);
    const w = f('wp-site/wp-config.php');
    w.t('<?php', "define( 'DB_NAME', 'wordpress' );", "define( 'DB_USER', 'wp_prod' );");
    w.p('php define password', dbpw, `define( 'DB_PASSWORD', '${dbpw}' );`);
    w.t("define( 'DB_HOST', 'localhost' );", "define( 'DB_CHARSET', 'utf8mb4' );");
    w.p('wordpress auth key salt', authKey, `define('AUTH_KEY',         '${authKey.replace(/'/g, '"')}');`);
    w.n('placeholder salt', "define('SECURE_AUTH_KEY',  'put your unique phrase here');");
    w.t("$table_prefix = 'wp_';", "require_once ABSPATH . 'wp-settings.php';");

    const ws = f('wp-site/wp-config-sample.php');
    ws.t('<?php');
    ws.n('sample', "define( 'DB_PASSWORD', 'password_here' );");
    ws.n('sample', "define( 'AUTH_KEY',         'put your unique phrase here' );");
  }

  // ===== Ruby / Rails =====
  {
    const dbpw = g.password(16), sk = g.stripeLive(), shp = g.shopify(), skb = g.hex(128);
    const d = f('rails-app/config/database.yml');
    d.t('default: &default', '  adapter: postgresql', '  encoding: unicode', '', 'development:', '  <<: *default', '  database: app_dev');
    d.n('erb env', "  password: <%= ENV['DB_PASSWORD'] %>");
    d.t('', 'production:', '  <<: *default', '  database: app_prod', '  username: app');
    d.p('yaml password', dbpw, `  password: "${dbpw}"`);

    const ini = f('rails-app/config/initializers/stripe.rb');
    ini.p('ruby stripe assignment', sk, `Stripe.api_key = "${sk}"`);
    ini.n('credentials reference', 'Stripe.signing_secret = Rails.application.credentials.dig(:stripe, :signing_secret)');

    const shop = f('rails-app/config/initializers/shopify.rb');
    shop.t('ShopifyAPI::Context.setup(');
    shop.n('env', "  api_key: ENV.fetch('SHOPIFY_API_KEY'),");
    shop.p('shopify token', shp, `  access_token: '${shp}',`);
    shop.t("  host: 'https://acme-shop.myshopify.com',", '  is_embedded: false', ')');

    const sec = f('rails-app/config/environments/production.rb');
    sec.t('Rails.application.configure do');
    sec.p('secret_key_base hex', skb, `  config.secret_key_base = "${skb}"`);
    sec.t('  config.force_ssl = true', 'end');

    const gl = f('rails-app/Gemfile.lock');
    gl.t('GEM', '  remote: https://rubygems.org/', '  specs:', '    rack (3.0.8)', '', 'CHECKSUMS');
    gl.n('gem checksum', `  rack (3.0.8) sha256=${g.sha256()}`);

    const tr = f('rails-app/.travis.yml');
    tr.t('language: ruby', 'env:', '  global:');
    tr.n('travis secure', `    - secure: "${g.b64(340)}="`);
  }

  // ===== Terraform / Ansible / K8s / Helm =====
  {
    const ak = g.awsKeyId(), as = g.awsSecret(), dd = g.hex(32), ddApp = g.hex(40);
    const t = f('infra/terraform/providers.tf');
    t.t('terraform {', '  required_version = ">= 1.5"', '}', '', 'provider "aws" {', '  region     = "eu-west-1"');
    t.p('terraform provider access key', ak, `  access_key = "${ak}"`);
    t.p('terraform provider secret key', as, `  secret_key = "${as}"`);
    t.t('}', '', 'provider "datadog" {');
    t.p('datadog api key hex', dd, `  api_key = "${dd}"`);
    t.p('datadog app key hex', ddApp, `  app_key = "${ddApp}"`);
    t.t('}', '', 'module "rds" {', '  source = "./modules/rds"');
    t.n('terraform var reference', '  aws_secret_access_key = var.secret');
    t.n('secret name', '  secret_name = "prod-db"');
    t.n('password ref', '  master_password = data.aws_secretsmanager_secret_version.db.secret_string');
    t.t('}');

    const tfv = f('infra/terraform/prod.tfvars');
    const cf = g.alnum(40);
    tfv.t('environment = "prod"');
    tfv.p('cloudflare api token in tfvars', cf, `cloudflare_api_token = "${cf}"`);
    tfv.n('vault path', 'db_secret_path = "secret/data/prod/postgres"');

    const vars = f('infra/ansible/group_vars/all.yml');
    const myPw = g.password(16), repl = g.password(14);
    vars.t('---', 'mysql_port: 3306');
    vars.p('ansible var password', myPw, `mysql_root_password: "${myPw}"`);
    vars.n('jinja reference', 'ansible_become_pass: "{{ vault_become_pass }}"');
    vars.p('ansible replication password unquoted', repl, `mysql_replication_password: ${repl}`);
    vars.t('vault_api_token: !vault |');
    vars.n('ansible vault', `          $ANSIBLE_VAULT;1.1;AES256\n          ${g.hex(80)}\n          ${g.hex(80)}\n          ${g.hex(60)}`);

    const vf = f('infra/ansible/group_vars/prod/vault.yml');
    vf.n('ansible vault file', `$ANSIBLE_VAULT;1.1;AES256\n${g.hex(80)}\n${g.hex(80)}\n${g.hex(80)}\n${g.hex(32)}`);

    const sops = f('infra/secrets/prod.enc.yaml');
    sops.n('sops', `db_password: ENC[AES256_GCM,data:${g.b64(24)},iv:${g.b64(43)}=,tag:${g.b64(22)}==,type:str]`);
    sops.n('sops', `api_token: ENC[AES256_GCM,data:${g.b64(52)},iv:${g.b64(43)}=,tag:${g.b64(22)}==,type:str]`);
    sops.t('sops:', '    kms: []', `    lastmodified: "2024-03-11T09:12:44Z"`);
    sops.n('sops mac', `    mac: ENC[AES256_GCM,data:${g.b64(88)},iv:${g.b64(43)}=,tag:${g.b64(22)}==,type:str]`);

    const k8Pw = g.password(20), k8Tok = g.gitlab(), rawKey = g.sendgrid();
    const ks = f('infra/k8s/app-secret.yaml');
    ks.t('apiVersion: v1', 'kind: Secret', 'metadata:', '  name: app-secrets', 'type: Opaque', 'data:');
    ks.p('k8s data base64 password', k8Pw, `  DB_PASSWORD: ${b64(k8Pw)}`, true);
    ks.p('k8s data base64 gitlab token', k8Tok, `  GITLAB_TOKEN: ${b64(k8Tok)}`, true);
    ks.p('k8s data base64 sendgrid', rawKey, `  SENDGRID_API_KEY: ${b64(rawKey)}`, true);
    ks.n('k8s base64 non-secret', `  LOG_LEVEL: ${b64('info')}`);

    const dep = f('infra/k8s/deployment.yaml');
    dep.t('apiVersion: apps/v1', 'kind: Deployment', 'spec:', '  template:', '    spec:', '      containers:', '        - name: api');
    dep.n('image digest', `          image: ghcr.io/acme/api@sha256:${g.sha256()}`);
    dep.t('          env:', '            - name: DB_PASSWORD', '              valueFrom:');
    dep.n('secretKeyRef', '                secretKeyRef:\n                  name: app-secrets\n                  key: DB_PASSWORD');

    const hv = f('infra/helm/api/values-prod.yaml');
    const hAk = g.awsKeyId(), hAs = g.awsSecret();
    hv.t('replicaCount: 3', 'awsCredentials: |');
    hv.t('  [default]');
    hv.p('yaml block scalar aws key', hAk, `  aws_access_key_id = ${hAk}`);
    hv.p('yaml block scalar aws secret', hAs, `  aws_secret_access_key = ${hAs}`);
    hv.t('  region = eu-west-1', 'existingSecret: api-credentials');
    hv.n('secret ref', 'secretName: api-credentials');

    const dc = f('infra/docker-compose.yml');
    const pgPw = g.password(18), minio = g.password(24);
    dc.t('services:', '  db:');
    dc.n('pinned digest', `    image: postgres:16@sha256:${g.sha256()}`);
    dc.t('    environment:');
    dc.p('compose postgres password', pgPw, `      POSTGRES_PASSWORD: ${pgPw}`);
    dc.t('  minio:', '    image: minio/minio', '    environment:', '      - MINIO_ROOT_USER=admin');
    dc.p('compose minio password list form', minio, `      - MINIO_ROOT_PASSWORD=${minio}`);
  }

  // ===== CI configs and scripts =====
  {
    const helmKey = g.linear(), envB64 = `STRIPE_SECRET_KEY=${g.stripeLive()}\nDATABASE_URL=postgres://ci:${g.urlPassword(16)}@ci-db:5432/test\n`;
    const w = f('.github/workflows/deploy.yml');
    w.t('name: deploy', 'on:', '  push:', '    branches: [main]', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    env:');
    w.n('gha secret ref', '      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}');
    w.p('base64 .env in CI variable', envB64, `      DOTENV_B64: ${b64(envB64)}`, true);
    w.t('    steps:', '      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1', '      - name: deploy', '        run: |');
    w.t('          echo "$DOTENV_B64" | base64 -d > .env');
    w.p('helm --set in CI', helmKey, `          helm upgrade --install api ./chart --namespace prod --set image.tag=\${GITHUB_SHA} --set secrets.linearApiKey=${helmKey}`);
    w.n('helm set ref', '          helm upgrade --install web ./chart --set secrets.dbPassword=${{ secrets.DB_PASSWORD }}');

    const gl = f('.gitlab-ci.yml');
    const regPw = g.password(20);
    const dockerAuth = b64(`deploy-bot:${regPw}`);
    gl.t('variables:', '  DOCKER_DRIVER: overlay2');
    gl.p('docker auth config base64 user:pass', regPw, `  DOCKER_AUTH_CONFIG: '{"auths":{"registry.acme.io":{"auth":"${dockerAuth}"}}}'`, true);
    const dckr = g.dockerHub();
    gl.t('build:', '  script:');
    gl.p('docker login -p', dckr, `    - docker login -u acmebot -p ${dckr}`);
    gl.n('ci variable ref', '    - docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" $CI_REGISTRY');

    const sh = f('scripts/bootstrap.sh');
    const ghDefault = g.ghpValid(), hdK = g.awsKeyId(), hdS = g.awsSecret(), curlPw = g.password(16);
    sh.t('#!/usr/bin/env bash', 'set -euo pipefail', '');
    sh.p('read -s default', ghDefault, `read -r -s -p "GitHub token: " GH_TOKEN; GH_TOKEN=\${GH_TOKEN:-${ghDefault}}`);
    sh.t('mkdir -p ~/.aws', 'cat > ~/.aws/credentials <<EOF', '[default]');
    sh.p('heredoc aws key', hdK, `aws_access_key_id = ${hdK}`);
    sh.p('heredoc aws secret', hdS, `aws_secret_access_key = ${hdS}`);
    sh.t('EOF', '');
    sh.n('header with var', 'curl -fsSL -H "Authorization: Bearer ${GH_TOKEN}" https://api.github.com/user');
    sh.p('curl -u user:pass', curlPw, `curl -fsS -u admin:${curlPw} https://jenkins.acme.internal/job/deploy/build`);
    sh.n('placeholder', 'export API_TOKEN="<token>"');

    const mk = f('Makefile');
    const dckr2 = g.dockerHub(), vaultT = g.vault();
    mk.t('.PHONY: push', 'push:');
    mk.p('tab indented docker login', dckr2, `\tdocker login -u acmebot --password ${dckr2}`);
    mk.t('\tdocker push acme/api:latest', '', 'vault-login:');
    mk.p('vault token export', vaultT, `\texport VAULT_TOKEN=${vaultT} && vault kv get secret/prod/api`);
    mk.n('vault path', '\tvault kv get -field=password secret/data/prod/db');

    const hk = g.uuid();
    const heroku = f('scripts/heroku-release.sh');
    heroku.t('#!/bin/sh');
    heroku.p('heroku api key uuid with context', hk, `export HEROKU_API_KEY=${hk}`);
    heroku.n('request id uuid', `echo "release request id ${g.uuid()}"`);
  }

  // ===== CI logs =====
  {
    const glt = g.gitlab(), nrk = g.newRelic();
    const log = f('ci-logs/build-48213.log');
    const ts = (i: number): string => `2024-05-14T09:${String(10 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(g.int(0, 999)).padStart(3, '0')}0000Z`;
    let i = 0;
    log.t(`${ts(i++)} ##[group]Run actions/checkout@v4`, `${ts(i++)} ##[endgroup]`);
    log.n('commit sha in log', `${ts(i++)} HEAD is now at ${g.hex(7)} Merge ${g.sha1()} into ${g.sha1()}`);
    log.n('docker digest', `${ts(i++)} #7 sha256:${g.sha256()} 12.58MB / 12.58MB 0.4s done`);
    log.n('docker digest', `${ts(i++)} digest: sha256:${g.sha256()} size: 2417`);
    log.p('gitlab token in debug log', glt, `${ts(i++)} ##[debug]Evaluating: format('https://oauth2:{0}@gitlab.acme.io/platform/infra.git', '${glt}')`);
    log.n('masked', `${ts(i++)} ##[debug]Evaluating: secrets.NPM_TOKEN => ***`);
    log.p('newrelic key in env dump', nrk, `${ts(i++)} NEW_RELIC_API_KEY=${nrk}`);
    log.n('cache key hash', `${ts(i++)} Cache restored from key: node-cache-Linux-npm-${g.sha256()}`);
    for (let k = 0; k < 40; k++) log.t(`${ts(i++)} [${k + 1}/40] Compiling src/module${k}.ts`);
    log.n('test uuid', `${ts(i++)} ok 12 - creates order ${g.uuid()} (41ms)`);

    const jl = f('ci-logs/jenkins-console.txt');
    const dbx = g.databricks(), pl = g.pulumi();
    jl.t('Started by user deploy', '[Pipeline] Start of Pipeline', '[Pipeline] sh');
    jl.p('databricks token in shell trace', dbx, `+ databricks configure --token --host https://adb-1234567890123456.7.azuredatabricks.net <<< ${dbx}`);
    jl.p('pulumi token in set -x trace', pl, `+ export PULUMI_ACCESS_TOKEN=${pl}`);
    jl.n('git sha', `Checking out Revision ${g.sha1()} (refs/remotes/origin/main)`);
    jl.n('fetch', ` > git rev-parse refs/remotes/origin/main^{commit} # timeout=10`);
    jl.t('Finished: SUCCESS');
  }

  // ===== patches =====
  {
    const hook = g.slackWebhook(), oldKey = g.anthropic();
    const pa = f('patches/0001-Add-alerting-config.patch');
    pa.t(`From ${g.sha1()} Mon Sep 17 00:00:00 2001`, 'From: Dana Ops <dana@acme.io>', 'Date: Tue, 12 Mar 2024 10:22:31 +0100', 'Subject: [PATCH] Add alerting config', '', '---', ' config/alerting.env | 3 ++-', ' 1 file changed, 2 insertions(+), 1 deletion(-)', '');
    pa.t('diff --git a/config/alerting.env b/config/alerting.env');
    pa.n('patch index', `index ${g.hex(7)}..${g.hex(7)} 100644`);
    pa.t('--- a/config/alerting.env', '+++ b/config/alerting.env', '@@ -1,2 +1,3 @@', ' ALERT_CHANNEL=#ops');
    pa.p('removed line in patch', oldKey, `-ANTHROPIC_API_KEY=${oldKey}`);
    pa.p('added line in patch', hook, `+SLACK_WEBHOOK_URL=${hook}`);
    pa.t('+ALERT_THRESHOLD=5', '-- ', '2.43.0', '');
  }

  // ===== SQL dump =====
  {
    const up = g.password(16), rp = g.password(18);
    const sq = f('db/dump-2024-03-01.sql');
    sq.t('-- MySQL dump 10.13  Distrib 8.0.36', '-- Host: localhost    Database: shop', '', "CREATE DATABASE IF NOT EXISTS `shop`;");
    sq.p('create user identified by', up, `CREATE USER 'shop_app'@'%' IDENTIFIED BY '${up}';`);
    sq.t("GRANT SELECT, INSERT, UPDATE, DELETE ON shop.* TO 'shop_app'@'%';");
    sq.p('postgres role password', rp, `ALTER ROLE reporting WITH LOGIN PASSWORD '${rp}';`);
    sq.t('INSERT INTO `users` (`id`, `email`, `password_hash`, `created_at`) VALUES');
    sq.n('bcrypt hash', `(1,'alice@acme.io','$2b$12$${g.str(ALNUM + './', 53)}','2024-01-01 00:00:00'),`);
    sq.n('argon2 hash', `(2,'bob@acme.io','$argon2id$v=19$m=65536,t=3,p=4$${g.b64(22)}$${g.b64(43)}','2024-01-02 00:00:00');`);
    sq.n('reset token column name', 'ALTER TABLE `users` ADD COLUMN `password_reset_token` varchar(64) DEFAULT NULL;');
  }

  // ===== keys, certs =====
  {
    const body = g.privateKeyBody();
    const k = f('deploy/keys/id_ed25519');
    k.p('openssh private key', body[0]!, ['-----BEGIN OPENSSH PRIVATE KEY-----', ...body.slice(0, 6), '-----END OPENSSH PRIVATE KEY-----'].join('\n'));
    const pub = f('deploy/keys/id_ed25519.pub');
    pub.n('ssh public key', `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ${g.b64(500)} deploy@ci`);
    const cert = f('deploy/tls/server.crt');
    cert.n('certificate', ['-----BEGIN CERTIFICATE-----', ...g.privateKeyBody(12), '-----END CERTIFICATE-----'].join('\n'));
    const pgp = f('docs/KEYS.asc');
    pgp.n('pgp public key', ['-----BEGIN PGP PUBLIC KEY BLOCK-----', '', ...g.privateKeyBody(10), `=${g.b64(4)}`, '-----END PGP PUBLIC KEY BLOCK-----'].join('\n'));
    const rsaBody = g.privateKeyBody(20);
    const tf = f('infra/terraform/tls.tf');
    tf.t('resource "kubernetes_secret" "tls" {', '  data = {', '    "tls.key" = <<-EOT');
    tf.p('rsa key in terraform heredoc', rsaBody[0]!, ['      -----BEGIN RSA PRIVATE KEY-----', ...rsaBody.slice(0, 4).map((l) => '      ' + l), '      -----END RSA PRIVATE KEY-----'].join('\n'));
    tf.t('    EOT', '  }', '}');
  }

  // ===== docs =====
  {
    const gpw = g.urlPassword(14);
    const r = f('docs/runbook.md');
    r.t('# Runbook', '', '## Dashboards', '');
    r.p('password in markdown link url', gpw, `Open the [ops dashboard](https://ops:${gpw}@grafana.acme-internal.net/d/api) when paging.`);
    r.t('', '## AWS', '', 'Configure the CLI like the AWS docs show:', '', '```');
    r.n('aws doc example', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    r.t('```', '', 'A token looks like this:', '');
    r.n('jwt.io example', '    Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c');
    r.n('placeholder', 'Set `OPENAI_API_KEY=sk-...` and `SLACK_TOKEN=xoxb-your-token` in your shell.');
    r.n('placeholder', 'curl -H "Authorization: token <YOUR_GITHUB_TOKEN>" https://api.github.com/user');
    const jwt = g.jwt();
    r.t('', '## Incident 2024-02 (do not do this again)', '');
    r.p('real jwt pasted in docs', jwt, `The service token was \`${jwt}\` and it was revoked on 2024-02-14.`);

    const ch = f('docs/CHANGELOG.md');
    ch.n('commit links', `- fix: rotate webhook ([${g.hex(7)}](https://github.com/acme/api/commit/${g.sha1()}))`);
    ch.n('commit links', `- feat: token refresh ([${g.hex(7)}](https://github.com/acme/api/commit/${g.sha1()}))`);
  }

  // ===== encoded secrets =====
  {
    const gcpKey = g.privateKeyBody(4);
    const saJson = JSON.stringify({ type: 'service_account', project_id: 'acme-prod', private_key_id: g.hex(40), private_key: `-----BEGIN PRIVATE KEY-----\n${gcpKey.join('\n')}\n-----END PRIVATE KEY-----\n`, client_email: 'deployer@acme-prod.iam.gserviceaccount.com', client_id: g.str(DIGITS, 21) });
    const mongoPw = `${g.alnum(6)}@${g.alnum(4)}#${g.alnum(5)}!`;
    const hexTok = g.ghpValid(), dbl = g.slackBot(), stripeInJson = g.stripeLive();
    const e = f('infra/ci/encoded.env');
    e.p('base64 of gcp service account json', gcpKey[0]!, `GOOGLE_CREDENTIALS_B64=${b64(saJson)}`, true);
    e.p('percent-encoded password in mongodb url', mongoPw, `MONGO_URL=mongodb+srv://admin:${encodeURIComponent(mongoPw)}@cluster0.x7kqz.mongodb.net/prod?retryWrites=true`, true);
    e.p('hex-encoded github token', hexTok, `GH_TOKEN_HEX=${hexOf(hexTok)}`, true);
    e.p('double base64 slack token', dbl, `SLACK_TOKEN_B64B64=${b64(b64(dbl))}`, true);
    e.p('base64 json with stripe key', stripeInJson, `PAYMENTS_CONFIG=${b64(JSON.stringify({ provider: 'stripe', secretKey: stripeInJson, currency: 'eur' }))}`, true);
    e.n('base64 non-secret json', `FEATURE_FLAGS=${b64(JSON.stringify({ newCheckout: true, betaUsers: ['a@acme.io'] }))}`);

    const kc = f('infra/k8s/registry-secret.yaml');
    const regTok = g.ghpValid();
    const dcj = JSON.stringify({ auths: { 'ghcr.io': { username: 'acme-bot', password: regTok, auth: b64(`acme-bot:${regTok}`) } } });
    kc.t('apiVersion: v1', 'kind: Secret', 'metadata:', '  name: ghcr-pull', 'type: kubernetes.io/dockerconfigjson', 'data:');
    kc.p('dockerconfigjson base64', regTok, `  .dockerconfigjson: ${b64(dcj)}`, true);

    const pct = f('py-shop/config/celery.py');
    const amqpPw = `${g.alnum(5)}/${g.alnum(5)}+${g.alnum(4)}=`;
    pct.p('percent-encoded amqp password', amqpPw, `BROKER_URL = "amqp://celery:${encodeURIComponent(amqpPw)}@rabbitmq.internal:5672/shop"`, true);
  }

  // ===== hard negatives of other kinds, in ordinary code =====
  {
    const n = f('node-api/src/crypto/hash.js');
    n.t("const crypto = require('crypto');");
    n.n('sha in code', `const KNOWN_GOOD = '${g.sha256()}';`);
    n.n('key variable with env', 'const secret = process.env.JWT_SECRET;');
    n.n('function param', 'function sign(payload, secret) { return jwt.sign(payload, secret, { algorithm: "HS256" }); }');
    n.n('empty default', "const password = '';");
    n.n('asterisks', "const maskedPassword = '********';");
    n.n('template placeholder', 'const url = `https://${user}:${password}@${host}/db`;');
    n.n('short lookalike', "const prefix = 'AKIA1234';");
    n.n('short ghp', "const badTok = 'ghp_abc123';");
    n.n('uuid', `const NAMESPACE = '${g.uuid()}';`);
    n.n('base64 const', `const PUBLIC_VAPID_KEY = 'B${g.str(B64URL, 86)}';`);
    n.t('module.exports = { sign };');

    const gm = f('go-worker/internal/auth/keys.go');
    gm.t('package auth', '');
    gm.n('public key pem', ['const pubKey = `-----BEGIN PUBLIC KEY-----', ...g.privateKeyBody(5), '-----END PUBLIC KEY-----`'].join('\n'));
    gm.n('struct tag', 'type Config struct {\n\tAPIKey string `json:"api_key" env:"API_KEY"`\n\tSecret string `json:"secret" env:"SECRET,required"`\n}');

    const py = f('py-shop/shop/forms.py');
    py.n('form field', "password = forms.CharField(widget=forms.PasswordInput, label=_('Password'))");
    py.n('field name', "fields = ['username', 'password', 'api_key', 'secret_token']");
    py.n('comparison', "if token_type == 'refresh_token':");
    py.n('settings reference', 'stripe.api_key = settings.STRIPE_SECRET_KEY');
    py.n('python placeholder', 'API_KEY = "your-api-key-here"');
    py.n('python dummy', `DUMMY_AWS_SECRET = "${g.awsSecret()}"`);

    const css = f('node-api/public/static/css/main.3f9a8b7c.chunk.css');
    css.n('css hashed classes', Array.from({ length: 30 }, () => `.css-${g.str(LOWER + DIGITS, 6)}{color:#${g.hex(6)};margin:${g.int(0, 20)}px}`).join(''));
  }

  // ===== wave 2: more syntaxes and lookalikes =====
  {
    const oa = g.openaiLegacy(), lar = g.b64(43) + '=';
    const e = f('laravel-app/.env');
    e.t('APP_NAME=Shop', 'APP_ENV=production');
    e.p('laravel app key', lar, `APP_KEY=base64:${lar}`);
    e.p('export with quotes and comment', oa, `export OPENAI_API_KEY="${oa}"  # personal key, rotate`);
    e.n('dummy flag', 'SECRET_KEY_BASE_DUMMY=1');
    e.n('empty', 'MAIL_PASSWORD=');
    e.n('null', 'MAIL_PASSWORD=null');
    const whsec = 'whsec_' + g.alnum(32);
    e.p('stripe webhook secret (CRLF, last line)', whsec, `STRIPE_WEBHOOK_SECRET=${whsec}`);
    e.crlf = true;

    const phpPw = g.password(16);
    const dbphp = f('laravel-app/config/database.php');
    dbphp.t('<?php', '', 'return [', "    'connections' => [", "        'mysql' => [", "            'driver' => 'mysql',");
    dbphp.n('env call', "            'password' => env('DB_PASSWORD', ''),");
    dbphp.t('        ],', "        'legacy' => [");
    dbphp.p('php array password', phpPw, `            'password' => '${phpPw}',`);
    dbphp.t('        ],', '    ],', '];');

    const gsa = g.privateKeyBody(3);
    const hv = f('infra/helm/worker/values.yaml');
    hv.t('gcp:', '  serviceAccountJson: |', '    {', '      "type": "service_account",', '      "project_id": "acme-data",');
    hv.p('private key with \\n escapes in yaml block json', gsa[0]!, `      "private_key": "-----BEGIN PRIVATE KEY-----\\n${gsa.join('\\n')}\\n-----END PRIVATE KEY-----\\n",`);
    hv.t('      "client_email": "worker@acme-data.iam.gserviceaccount.com"', '    }');
    hv.n('hashFiles cache key', "cacheKey: ${{ runner.os }}-node-${{ hashFiles('**/package-lock.json') }}");

    const glt = g.gitlab();
    const py = f('py-shop/shop/ci_templates.py');
    py.t('CONFIG_TEMPLATE = """');
    py.t('[gitlab]', 'url = https://gitlab.acme.io');
    py.p('triple-quoted string ini token', glt, `private_token = ${glt}`);
    py.t('"""', '');
    py.n('token url', 'TOKEN_URL = "https://oauth2.googleapis.com/token"');
    py.n('constant name', 'PASSWORD_FIELD = "password"');

    const gradle = f('java-billing/gradle.properties');
    const ossrh = g.password(18), signPw = g.password(14);
    gradle.t('org.gradle.jvmargs=-Xmx2g', 'ossrhUsername=acme-release');
    gradle.p('gradle ossrh password', ossrh, `ossrhPassword=${ossrh}`);
    gradle.t('signing.keyId=24875D73');
    gradle.p('gradle signing password', signPw, `signing.password=${signPw}`);
    gradle.n('path', 'signing.secretKeyRingFile=/home/ci/.gnupg/secring.gpg');

    const bg = f('java-billing/build.gradle');
    const nexus = g.password(16);
    bg.t('publishing {', '  repositories {', '    maven {', '      url "https://nexus.acme.io/repository/releases/"', '      credentials {', "        username 'deployer'");
    bg.p('gradle credentials block', nexus, `        password '${nexus}'`);
    bg.t('      }', '    }', '  }', '}');

    const jdbcPw = g.password(14);
    const dao = f('java-billing/src/main/java/com/acme/billing/LegacyDao.java');
    dao.t('package com.acme.billing;', '', 'import java.sql.*;', '', 'class LegacyDao {', '  Connection open() throws SQLException {');
    dao.p('DriverManager.getConnection literal password', jdbcPw, `    return DriverManager.getConnection("jdbc:sqlserver://legacy-sql:1433;databaseName=billing", "billing_ro", "${jdbcPw}");`);
    dao.t('  }');
    dao.n('constant', '  private static final String PASSWORD_PARAM = "password";');
    dao.t('}');

    const csPw = g.password(15);
    const cs = f('dotnet-portal/src/Portal.Jobs/FtpClient.cs');
    cs.crlf = true;
    cs.t('namespace Portal.Jobs;', '', 'public class FtpClient', '{');
    cs.n('property', '    [JsonProperty("access_token")] public string AccessToken { get; set; }');
    cs.p('NetworkCredential literal', csPw, `    private readonly NetworkCredential _cred = new NetworkCredential("ftp-export", "${csPw}");`);
    cs.t('}');

    const goPw = g.password(16), mongoPw = g.str(ALNUM + '-_.~', 14), redisPw = g.alnum(24);
    const gocfg = f('go-worker/internal/config/defaults.go');
    gocfg.t('package config', '', 'var Default = Config{', '\tDBUser:     "worker",');
    gocfg.p('go struct literal password', goPw, `\tDBPassword: "${goPw}",`);
    gocfg.p('mongo url in go', mongoPw, `\tMongoURL:   "mongodb://admin:${mongoPw}@mongo-0.mongo:27017/events?authSource=admin",`);
    gocfg.p('redis url without user', redisPw, `\tRedisURL:   "redis://:${redisPw}@redis-master:6379/0",`);
    gocfg.t('}');

    const rb = f('rails-app/lib/tasks/export.rake');
    const rbPw = g.password(16);
    rb.t('namespace :export do', '  task run: :environment do', '    Net::SFTP.start("sftp.partner.example.org", "acme",');
    rb.p('ruby hash rocket password', rbPw, `      :password => "${rbPw}",`);
    rb.t('      :port => 22) do |sftp|', '    end', '  end', 'end');

    const ghs = g.ghpValid('ghs_');
    const cred = f('deploy/.git-credentials');
    cred.p('git-credentials with ghs token', ghs, `https://x-access-token:${ghs}@github.com`);
    cred.finalNewline = false;

    const hk = g.uuid();
    const netrc = f('deploy/.netrc');
    netrc.t('machine api.heroku.com');
    netrc.t('  login ops@acme.io');
    netrc.p('netrc heroku password uuid', hk, `  password ${hk}`);
    netrc.t('machine git.heroku.com', '  login ops@acme.io');
    netrc.p('netrc heroku password uuid 2', hk, `  password ${hk}`);

    const dockerPw = g.password(20);
    const dcfg = f('deploy/.docker/config.json');
    dcfg.t('{', '  "auths": {', '    "registry.acme.io": {');
    dcfg.p('docker config auth', dockerPw, `      "auth": "${b64(`ci-pusher:${dockerPw}`)}"`, true);
    dcfg.t('    }', '  },');
    dcfg.n('creds store', '  "credsStore": "desktop"');
    dcfg.t('}');

    const saJwt = g.jwt(), ckey = g.privateKeyBody(6);
    const kube = f('deploy/kubeconfig.yaml');
    kube.t('apiVersion: v1', 'kind: Config', 'clusters:', '- cluster:');
    kube.n('CA cert data', `    certificate-authority-data: ${b64(['-----BEGIN CERTIFICATE-----', ...g.privateKeyBody(4), '-----END CERTIFICATE-----'].join('\n'))}`);
    kube.t('    server: https://10.20.0.1:6443', '  name: prod', 'users:', '- name: ci');
    kube.t('  user:');
    kube.p('kubeconfig client-key-data base64 private key', ckey[0]!, `    client-key-data: ${b64(['-----BEGIN EC PRIVATE KEY-----', ...ckey, '-----END EC PRIVATE KEY-----'].join('\n'))}`, true);
    kube.p('kubeconfig bearer token jwt', saJwt, `    token: ${saJwt}`);

    const basicPw = g.password(16);
    const curl = f('scripts/smoke-test.sh');
    curl.t('#!/bin/sh');
    curl.p('basic auth header base64', basicPw, `curl -sf -H "Authorization: Basic ${b64(`smoke:${basicPw}`)}" https://api.acme.io/health`, true);
    const pgpw = g.password(16);
    curl.p('docker run -e password', pgpw, `docker run -d -e POSTGRES_PASSWORD=${pgpw} -p 5432:5432 postgres:16`);
    const mysqlPw = g.password(14);
    curl.p('mysql -p inline', mysqlPw, `mysql -h db.internal -u root -p${mysqlPw} shop < schema.sql`);
    curl.n('redacted auth', 'echo "Authorization: Bearer [REDACTED]"');
    curl.n('echo var', 'echo $GITHUB_TOKEN | gh auth login --with-token');

    const dw = g.str(DIGITS, 19), dwTok = g.str(B64URL, 68);
    const tfv = f('infra/terraform/variables.tf');
    const tfPw = g.password(18);
    tfv.t('variable "db_password" {', '  type      = string', '  sensitive = true');
    tfv.p('terraform variable default', tfPw, `  default   = "${tfPw}"`);
    tfv.t('}', '', 'variable "discord_webhook" {');
    tfv.p('discord webhook url', dwTok, `  default = "https://discord.com/api/webhooks/${dw}/${dwTok}"`);
    tfv.t('}');
    tfv.n('api key id', 'api_key_id = "key-prod-01"');

    const xoxp = g.slackUser(), ansi = g.sendgrid();
    const log = f('ci-logs/deploy-991.log');
    log.t('\x1b[36m[deploy]\x1b[0m starting');
    log.p('ansi coloured env dump', ansi, `\x1b[32mINFO\x1b[0m  SENDGRID_API_KEY=${ansi}\x1b[0m`);
    log.p('slack user token in curl trace', xoxp, `+ curl -s -X POST -H 'Authorization: Bearer ${xoxp}' https://slack.com/api/chat.postMessage`);
    log.n('masked', 'GITHUB_TOKEN=***');
    log.n('git sha', `Your branch is up to date with 'origin/main' (${g.sha1()}).`);
    const ghs2 = g.ghpValid('ghs_');
    log.p('git clone with ghs in url', ghs2, `2024-05-14T09:31:02.4410000Z [command]/usr/bin/git clone https://x-access-token:${ghs2}@github.com/acme/infra.git`);

    const locks = f('php-lib/composer.lock');
    locks.t('{', '    "packages": [', '        {', '            "name": "guzzlehttp/guzzle",', '            "source": {', '                "type": "git",');
    locks.n('composer reference', `                "reference": "${g.sha1()}"`);
    locks.t('            },', '            "dist": {');
    locks.n('composer shasum', `                "shasum": "${g.sha1()}"`);
    locks.t('            }', '        }', '    ],');
    locks.n('content hash', `    "content-hash": "${g.hex(32)}"`);
    locks.t('}');

    const poetry = f('py-shop/poetry.lock');
    poetry.t('[[package]]', 'name = "requests"', 'version = "2.31.0"', 'files = [');
    poetry.n('poetry hash', `    {file = "requests-2.31.0-py3-none-any.whl", hash = "sha256:${g.sha256()}"},`);
    poetry.t(']', '', '[metadata]');
    poetry.n('content hash', `content-hash = "${g.sha256()}"`);

    const cargo = f('rust-cli/Cargo.lock');
    cargo.t('[[package]]', 'name = "serde"', 'version = "1.0.197"', 'source = "registry+https://github.com/rust-lang/crates.io-index"');
    cargo.n('cargo checksum', `checksum = "${g.sha256()}"`);

    const yarn = f('node-api/yarn.lock');
    yarn.t('"@babel/code-frame@^7.22.13":', '  version "7.23.5"', '  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.23.5.tgz#9009b69a8c602293476ad598ff53e4562e15c244"');
    yarn.n('yarn integrity', `  integrity sha512-${g.b64(86)}==`);
    yarn.n('yarn berry checksum', `  checksum: ${g.hex(128)}`);

    const docker = f('node-api/Dockerfile');
    docker.t('FROM node:20-alpine@sha256:' + g.sha256(), 'ARG NPM_TOKEN');
    docker.n('secret mount', 'RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci');
    docker.n('env reference', 'ENV NODE_AUTH_TOKEN=${NPM_TOKEN}');
    const dockerKey = g.awsSecret();
    docker.p('dockerfile ENV aws secret', dockerKey, `ENV AWS_SECRET_ACCESS_KEY=${dockerKey}`);

    const font = f('node-api/public/static/css/fonts.css');
    font.n('font data uri', `@font-face{font-family:Inter;src:url(data:font/woff2;base64,d09GMgABAAAAA${g.b64(600)}) format("woff2")}`);

    const api = f('node-api/test/fixtures/github-commit.json');
    api.n('github api fixture sha', `{"sha": "${g.sha1()}", "node_id": "C_kwDOA${g.alnum(30)}", "commit": {"tree": {"sha": "${g.sha1()}"}}, "etag": "W/\\"${g.hex(32)}\\""}`);

    const docs2 = f('docs/setup.md');
    docs2.n('doc placeholders', 'export GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nexport NPM_TOKEN=npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\npassword: <your password>');
    docs2.n('wrong npm checksum', `npm config set //registry.npmjs.org/:_authToken ${g.ghpInvalid('npm_')}`);
    docs2.n('short slack', 'SLACK_TOKEN=xoxb-12345');
    const npm2 = g.npmValid();
    docs2.p('npm config set with valid token', npm2, `npm config set //registry.npmjs.org/:_authToken ${npm2}`);
  }

  // ===== wave 3: references that look like assignments, more encodings =====
  {
    const cfn = f('infra/cloudformation/rds.yaml');
    const cfnPw = g.password(18);
    cfn.t('Resources:', '  Database:', '    Type: AWS::RDS::DBInstance', '    Properties:', '      MasterUsername: admin');
    cfn.p('cloudformation master password', cfnPw, `      MasterUserPassword: "${cfnPw}"`);
    cfn.n('resolve secretsmanager', "      ReplicaPassword: '{{resolve:secretsmanager:prod/db:SecretString:password}}'");
    cfn.n('!Ref', '      ApiKey: !Ref ApiKeyParameter');
    cfn.n('arn', '      SecretArn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf');
    cfn.n('imagePullSecrets', '      imagePullSecrets: regcred');

    const az = f('azure-pipelines.yml');
    const azSec = g.azureClientSecret();
    az.t('trigger:', '- main', 'steps:', '- script: |');
    az.p('az login -p secret', azSec, `    az login --service-principal -u 0f7b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d -p ${azSec} --tenant acme.onmicrosoft.com`);
    az.n('pipeline var', '    echo $(SECRET_VAR)');
    az.n('gha token', '    token: ${{ github.token }}');

    const inv = f('infra/ansible/inventory.ini');
    const sshPw = g.password(14);
    inv.t('[web]');
    inv.p('ansible inventory ssh pass', sshPw, `web01.acme.internal ansible_user=deploy ansible_password=${sshPw}`);
    inv.n('lookup', "web02.acme.internal ansible_password=\"{{ lookup('env', 'DEPLOY_PASS') }}\"");

    const pgp = f('deploy/.pgpass');
    const pgpassPw = g.password(16);
    pgp.p('.pgpass line', pgpassPw, `db.internal:5432:*:reporting:${pgpassPw}`);

    const ht = f('deploy/nginx/.htpasswd');
    // A committed .htpasswd is reported as a credential file (path rule, line 1): its hashes are offline-crackable and
    // the format also allows plaintext. (Bare bcrypt/argon2 hashes elsewhere stay hard negatives.)
    ht.p('.htpasswd file (path rule)', 'admin', `admin:$apr1$${g.alnum(8)}$${g.str(ALNUM + './', 22)}`);
    ht.t(`ops:$2y$10$${g.str(ALNUM + './', 53)}`);

    const wgPriv = g.b64(43) + '=';
    const wg = f('deploy/wireguard/wg0.conf');
    wg.t('[Interface]', 'Address = 10.8.0.1/24', 'ListenPort = 51820');
    wg.p('wireguard private key', wgPriv, `PrivateKey = ${wgPriv}`);
    wg.t('', '[Peer]');
    wg.n('wireguard public key', `PublicKey = ${g.b64(43)}=`);
    wg.n('allowed ips', 'AllowedIPs = 10.8.0.2/32');

    const ks = f('android-app/keystore.properties');
    const storePw = g.password(14);
    ks.t('storeFile=release.jks', 'keyAlias=release');
    ks.p('android store password', storePw, `storePassword=${storePw}`);
    ks.p('android key password', storePw, `keyPassword=${storePw}`);

    const kt = f('android-app/app/src/main/java/com/acme/app/Keys.kt');
    const ktKey = g.stripeLive();
    kt.t('package com.acme.app', '', 'object Keys {');
    kt.p('kotlin const val', ktKey, `    const val STRIPE_SECRET = "${ktKey}"`);
    kt.n('kotlin publishable', `    const val STRIPE_PUBLISHABLE = "pk_live_${g.alnum(24)}"`);
    kt.n('google oauth client id', `    const val GOOGLE_CLIENT_ID = "${g.str(DIGITS, 12)}-${g.str(LOWER + DIGITS, 32)}.apps.googleusercontent.com"`);
    kt.t('}');

    const sw = f('ios-app/Sources/Config.swift');
    const swKey = g.anthropic();
    sw.t('import Foundation', '', 'enum Config {');
    sw.p('swift let', swKey, `    static let anthropicKey = "${swKey}"`);
    sw.t('}');

    const sj = f('java-billing/deploy/run.sh');
    const sjPw = g.password(16);
    sj.t('#!/bin/sh');
    sj.p('SPRING_APPLICATION_JSON', sjPw, `export SPRING_APPLICATION_JSON='{"spring":{"datasource":{"url":"jdbc:postgresql://db:5432/billing","password":"${sjPw}"}}}'`);
    const jdbcPw = `${g.alnum(6)}!${g.alnum(5)}&${g.alnum(3)}`;
    sj.p('percent-encoded password in jdbc query', jdbcPw, `export JDBC_URL='jdbc:postgresql://db:5432/billing?user=billing&password=${encodeURIComponent(jdbcPw)}&ssl=true'`, true);
    sj.n('getpass', 'python3 -c "import getpass; api_key = getpass.getpass(\'API key: \')"');

    const esc = f('node-api/config/runtime.json');
    const escTok = g.dockerHub();
    esc.t('{');
    esc.p('escaped json in json string', escTok, `  "registryConfig": "{\\"username\\":\\"acmebot\\",\\"token\\":\\"${escTok}\\"}",`);
    esc.n('trace ids', `  "trace_id": "${g.hex(32)}", "span_id": "${g.hex(16)}",`);
    esc.n('oauth state', `  "redirect": "https://login.acme.io/authorize?client_id=portal&redirect_uri=https%3A%2F%2Fapp.acme.io%2Fcallback&state=${g.alnum(16)}&code_challenge=${g.str(B64URL, 43)}",`);
    esc.n('ttl', '  "session_token_ttl": 900');
    esc.t('}');

    const enc2 = f('.github/workflows/release.yml');
    const npmTok = g.npmValid(), skHex = g.stripeLive();
    enc2.t('name: release', 'on: [workflow_dispatch]', 'env:');
    enc2.p('base64 .npmrc', npmTok, `  NPMRC_B64: ${b64(`//registry.npmjs.org/:_authToken=${npmTok}\nalways-auth=true\n`)}`, true);
    enc2.p('hex-encoded stripe key', skHex, `  STRIPE_KEY_HEX: ${hexOf(skHex)}`, true);
    enc2.n('base64 non-secret config', `  APP_CONFIG_B64: ${b64('password_min_length=12\ntoken_ttl=3600\nsecret_rotation_days=90\n')}`);
    enc2.t('jobs:', '  release:', '    runs-on: ubuntu-latest', '    steps:');
    enc2.n('sha pin', `      - uses: actions/setup-node@${g.sha1()} # v4`);

    const tmpl = f('infra/helm/api/templates/secret.yaml');
    tmpl.n('helm template', 'apiVersion: v1\nkind: Secret\ndata:\n  password: {{ .Values.db.password | b64enc | quote }}\n  token: {{ required "token" .Values.token | b64enc }}');

    const refs = f('go-worker/internal/config/config.go');
    refs.t('package config', '', 'type Config struct {');
    refs.n('struct tag', '\tToken    string `yaml:"token" json:"token"`\n\tPassword string `yaml:"password"`');
    refs.t('}');
    refs.n('getenv', '\tsecret := os.Getenv("WEBHOOK_SECRET")');

    const misc = f('dotnet-portal/src/Portal.Web/Startup.cs');
    misc.n('config indexer', '        var secret = Configuration["Jwt:Secret"];');
    misc.n('keyvault ref', '        var clientSecret = await kv.GetSecretAsync("sp-client-secret");');

    const sums = f('rust-cli/SHA256SUMS');
    for (const n of ['leakward-linux-x64.tar.gz', 'leakward-darwin-arm64.tar.gz']) sums.n('sha256sums', `${g.sha256()}  ${n}`);

    const kh = f('deploy/known_hosts');
    kh.n('known_hosts', `github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${g.b64(43)}`);
    kh.n('ssh fingerprint', `# SHA256:${g.b64(43)} github.com (ED25519)`);
  }

  // ===== wave 4: tool outputs, wrapped encodings, docs that talk about secrets =====
  {
    // kubectl get secret -o yaml, with base64 wrapped at 76 columns the way `base64` (no -w0) writes it
    const wrapTok = g.openaiProject();
    const wrapped = b64(`OPENAI_API_KEY=${wrapTok}\n`).match(/.{1,76}/g)!;
    const kg = f('ci-logs/kubectl-get-secret.txt');
    kg.t('$ kubectl get secret ai-keys -n prod -o yaml', 'apiVersion: v1', 'data:');
    kg.p('base64 wrapped at 76 columns (first line)', wrapTok, `  env: ${wrapped[0]}`, true);
    kg.t(...wrapped.slice(1).map((l) => `    ${l}`));
    const kgPw = g.password(18);
    kg.p('kubectl secret data password', kgPw, `  password: ${b64(kgPw)}`, true);
    kg.t('kind: Secret', 'metadata:', '  name: ai-keys');
    kg.n('k8s uid', `  uid: ${g.uuid()}`);
    kg.n('resourceVersion', '  resourceVersion: "48213377"');

    const hist = f('deploy/.bash_history');
    const histTok = g.vault(), histPw = g.password(14);
    hist.t('ls -la', 'cd /srv/app');
    hist.p('shell history vault login', histTok, `vault login ${histTok}`);
    hist.p('shell history mysql -p', histPw, `mysql -uroot -p'${histPw}' -e 'show databases'`);
    hist.n('history env ref', 'export GITHUB_TOKEN=$(gh auth token)');

    const tb = f('ci-logs/pytest-failure.log');
    const tbPw = g.urlPassword(16);
    tb.t('Traceback (most recent call last):', '  File "/app/shop/db.py", line 41, in connect');
    tb.p('traceback with dsn in locals', tbPw, `    dsn = 'postgresql://shop:${tbPw}@10.0.3.17:5432/shop'`);
    tb.t('psycopg2.OperationalError: could not connect to server: Connection refused');
    tb.n('pytest node id', `FAILED tests/test_tokens.py::test_refresh_token_rotation[${g.hex(8)}] - AssertionError`);

    const plan = f('infra/terraform/plan.txt');
    plan.t('Terraform will perform the following actions:', '  # aws_db_instance.main will be created', '  + resource "aws_db_instance" "main" {');
    plan.n('sensitive value', '      + password                = (sensitive value)');
    plan.n('known after apply', '      + master_user_secret      = (known after apply)');
    plan.n('kms key arn', '      + kms_key_id              = "arn:aws:kms:eu-west-1:123456789012:key/' + g.uuid() + '"');
    plan.t('    }');

    const har = f('docs/debug/session.har');
    const harJwt = g.jwt();
    har.t('{"log": {"entries": [{"request": {"method": "GET", "url": "https://api.acme.io/v2/orders", "headers": [');
    har.p('HAR authorization header', harJwt, `  {"name": "Authorization", "value": "Bearer ${harJwt}"},`);
    har.n('HAR request id', `  {"name": "X-Request-Id", "value": "${g.uuid()}"}`);
    har.t(']}}]}}');

    const pm = f('docs/postman/acme.postman_collection.json');
    const pmKey = g.sendgrid();
    pm.t('{', '  "info": {"_postman_id": "' + g.uuid() + '", "name": "Acme"},', '  "auth": {"type": "apikey", "apikey": [');
    pm.p('postman apikey value', pmKey, `    {"key": "value", "value": "${pmKey}", "type": "string"},`);
    pm.n('postman key name', '    {"key": "key", "value": "Authorization", "type": "string"}');
    pm.t('  ]}', '}');

    const doc = f('docs/configuration.md');
    doc.t('# Configuration', '', '| option | type | description |', '|---|---|---|');
    doc.n('markdown option table', '| `password` | string | The database password. |\n| `api_token` | string | Token used to call the API (see `API_TOKEN`). |\n| `secret_key` | string | 32+ random bytes, e.g. output of `openssl rand -hex 32`. |');
    doc.n('cli help', '  --password PASSWORD   database password (default: $PGPASSWORD)\n  --token TOKEN         API token');
    doc.n('openapi', 'securitySchemes:\n  ApiKeyAuth:\n    type: apiKey\n    in: header\n    name: X-API-Key');
    doc.n('graphql', 'mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { token } }');
    doc.n('sql hash compare', 'SELECT id FROM users WHERE email = $1 AND password_hash = crypt($2, password_hash);');
    doc.n('html input', '<input type="password" name="password" autocomplete="current-password">');
    doc.n('folded yaml prose', 'description: >\n  The token is rotated every 24 hours; the secret\n  is stored in Vault under secret/data/app.');
    const folded = g.slackBot();
    doc.t('', 'Example of a real leak we found (revoked):', '', '```yaml');
    doc.t('notify:', '  slack_token: >-');
    doc.p('yaml folded scalar token', folded, `    ${folded}`);
    doc.t('```');

    const xml = f('java-billing/src/main/resources/context.xml');
    const xmlPw = g.password(16).replace(/[&<>"]/g, 'x');
    xml.t('<Context>');
    xml.p('tomcat Resource password attribute', xmlPw, `  <Resource name="jdbc/billing" auth="Container" type="javax.sql.DataSource" username="billing" password="${xmlPw}" url="jdbc:postgresql://db:5432/billing"/>`);
    xml.n('xml escaped placeholder', '  <Environment name="apiKey" value="&lt;set-in-prod&gt;" type="java.lang.String"/>');
    xml.t('</Context>');

    const jsx = f('node-api/src/legacy/analytics.js');
    const mixKey = g.str(HEX, 32);
    jsx.t('(function () {');
    jsx.p('mixpanel-like token needs context: api secret hex', mixKey, `  var API_SECRET = "${mixKey}";`);
    jsx.n('unicode escapes', '  var label = "\\u0070\\u0061\\u0073\\u0073\\u0077\\u006f\\u0072\\u0064";');
    jsx.n('hex color table', `  var palette = ["#${g.hex(6)}", "#${g.hex(6)}", "#${g.hex(6)}"];`);
    jsx.t('})();');

    const tstate = f('infra/terraform/terraform.tfstate');
    const tsPw = g.password(20), tsTok = g.str(ALNUM, 32) + '.atlasv1.' + g.str(ALNUM, 67);
    tstate.t('{', '  "version": 4,', '  "resources": [', '    {', '      "type": "random_password",', '      "instances": [{"attributes": {');
    tstate.p('tfstate random_password result', tsPw, `        "result": "${tsPw}",`);
    tstate.n('bcrypt in state', `        "bcrypt_hash": "$2a$10$${g.str(ALNUM + './', 53)}",`);
    tstate.n('tf id', `        "id": "none"`);
    tstate.t('      }}]', '    }', '  ]', '}');
    const trc = f('deploy/.terraformrc');
    trc.t('credentials "app.terraform.io" {');
    trc.p('terraform cloud token', tsTok, `  token = "${tsTok}"`);
    trc.t('}');
  }

  // ===== wave 5: names that say secret/token/password with values that are not secrets =====
  {
    const j = f('java-billing/src/main/java/com/acme/billing/Crypto.java');
    j.t('package com.acme.billing;', '', 'final class Crypto {');
    j.n('algorithm name', '  private static final String SECRET_KEY_ALGORITHM = "PBKDF2WithHmacSHA256";');
    j.n('header name', '  private static final String TOKEN_HEADER = "X-Auth-Token";');
    j.n('short algo', '  private final String secretKey = "HmacSHA256";');
    j.n('tokenizer name', '  private final String tokenizer = "bert-base-uncased";');
    j.n('property key', '  private static final String PASSWORD_PROPERTY = "spring.datasource.password";');
    j.n('message key', '  private static final String TOKEN_EXPIRED = "auth.error.token_expired";');
    j.t('}');

    const y = f('infra/k8s/ingress.yaml');
    y.t('apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'spec:', '  tls:', '    - hosts: [api.acme.io]');
    y.n('tls secretName', '      secretName: api-acme-io-tls-2024');
    y.n('secretName versioned', '  secretName: prod-db-credentials-v2');
    y.n('helm value ref', '  clientSecret: "{{ .Values.oauth.clientSecret }}"');
    y.n('max tokens', '  max_tokens: 4096\n  token_limit: 8192\n  passwordless: true\n  AUTH_SECRET_LENGTH: 64');

    const i18 = f('node-api/src/locales/es.json');
    i18.n('i18n es', '{"password": "Contraseña", "forgot_password": "¿Olvidaste tu contraseña?", "api_token": "Token de acceso personal", "secret": "Secreto"}');
    const i18d = f('node-api/src/locales/de.json');
    i18d.n('i18n de', '{"passwort": "Kennwort eingeben", "password_hint": "Mindestens zwölf Zeichen", "token_label": "Zugriffstoken kopieren"}');

    const py = f('py-shop/shop/tokens.py');
    py.t('import secrets', '');
    py.n('secrets module call', 'reset_token = secrets.token_urlsafe(32)');
    py.n('hex call', 'api_secret = secrets.token_hex(32)');
    py.n('constant', 'TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"');
    py.n('model field', 'password = models.CharField(max_length=128, verbose_name="password")');
    py.n('regex', 'PASSWORD_RE = r"^(?=.*[A-Z])(?=.*\\d)[A-Za-z\\d@$!%*?&]{12,}$"');

    const gm = f('go-worker/go.mod');
    gm.t('module github.com/acme/go-worker', '', 'go 1.22', '', 'require (');
    gm.n('pseudo version', `\tgolang.org/x/exp v0.0.0-20240103183307-${g.hex(12)} // indirect`);
    gm.t(')');

    const pc = f('.pre-commit-config.yaml');
    pc.t('repos:', '  - repo: https://github.com/pre-commit/pre-commit-hooks');
    pc.n('rev sha', `    rev: ${g.sha1()}  # frozen: v4.5.0`);

    const snap = f('node-api/test/__snapshots__/login.test.js.snap');
    snap.n('snapshot', 'exports[`renders token field 1`] = `\n<input\n  name="token"\n  type="password"\n/>\n`;');

    const log = f('ci-logs/s3-upload.log');
    log.n('presigned signature', `PUT https://acme-artifacts.s3.eu-west-1.amazonaws.com/builds/app.tgz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240514T093102Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=${g.sha256()}`);
    log.n('etag md5', `ETag: "${g.hex(32)}"`);
    log.n('checksum', `x-amz-checksum-sha256: ${g.b64(43)}=`);
    log.n('token count', 'Used 18234 prompt tokens and 912 completion tokens');
  }

  // ===== wave 6: more encodings =====
  {
    const e = f('infra/ci/encoded-more.yml');
    const u1 = g.sendgrid(), u2 = g.ghpValid(), u3 = g.anthropic(), u4 = g.awsSecret(), u5 = g.urlPassword(16), u6 = g.slackBot();
    e.t('variables:');
    e.p('base64url (no padding) of a json with a key', u1, `  MAIL_CFG: ${Buffer.from(JSON.stringify({ provider: 'sendgrid', apiKey: u1 })).toString('base64url')}`, true);
    e.p('uppercase hex of a token', u2, `  GH_TOKEN_HEX_UPPER: ${hexOf(u2).toUpperCase()}`, true);
    e.p('base64 of a CRLF .env', u3, `  ENV_WIN_B64: ${b64(`NODE_ENV=production\r\nANTHROPIC_API_KEY=${u3}\r\n`)}`, true);
    e.p('base64 of aws credentials file', u4, `  AWS_CREDENTIALS_B64: ${b64(`[default]\naws_access_key_id = ${g.awsKeyId()}\naws_secret_access_key = ${u4}\n`)}`, true);
    e.p('double percent-encoded password in url', u5, `  CALLBACK: https://ci.acme.io/hook?target=${encodeURIComponent(`https://deploy:${u5}@deploy.acme.internal/trigger`)}`, true);
    e.p('base64 of base64 of env line', u6, `  SLACK_B64B64: ${b64(b64(`SLACK_BOT_TOKEN=${u6}`))}`, true);
    e.n('base64 of a public key', `  PUBKEY_B64: ${b64(['-----BEGIN PUBLIC KEY-----', ...g.privateKeyBody(3), '-----END PUBLIC KEY-----'].join('\n'))}`);
    e.n('base64 of plain text', `  MOTD_B64: ${b64('Welcome to the build agent. Do not store secrets here.\n')}`);
    e.n('hex of plain text', `  BANNER_HEX: ${hexOf('build agent 42 ready')}`);
  }

  // ===== wave 7: more provider formats in ordinary places =====
  {
    const toks: [string, string, string][] = [
      ['huggingface', 'hf_' + g.str(UPPER + LOWER, 34), 'HF_TOKEN'],
      ['digitalocean', 'dop_v1_' + g.hex(64), 'DIGITALOCEAN_ACCESS_TOKEN'],
      ['postman', 'PMAK-' + g.hex(24) + '-' + g.hex(34), 'POSTMAN_API_KEY'],
      ['supabase', 'sbp_' + g.hex(40), 'SUPABASE_ACCESS_TOKEN'],
      ['replicate', 'r8_' + g.alnum(37), 'REPLICATE_API_TOKEN'],
      ['perplexity', 'pplx-' + g.alnum(48), 'PPLX_KEY'],
      ['figma', 'figd_' + g.str(B64URL, 40), 'FIGMA_TOKEN'],
      ['groq', 'gsk_' + g.alnum(52), 'GROQ_API_KEY'],
      ['sentry user token', 'sntryu_' + g.hex(64), 'SENTRY_AUTH_TOKEN'],
      ['shopify shared secret', 'shpss_' + g.hex(32), 'SHOPIFY_API_SECRET'],
    ];
    const env = f('ml-service/.env.production');
    for (const [label, tok, name] of toks.slice(0, 5)) env.p(label, tok, `${name}=${tok}`);
    const py = f('ml-service/app/clients.py');
    py.t('import os', '');
    for (const [label, tok, name] of toks.slice(5)) py.p(label, tok, `${name.toLowerCase()} = os.environ.get("${name}", "${tok}")`);
  }

  // ===== filler: ordinary code (for FP per MB) =====
  {
    for (let k = 0; k < 12; k++) {
      const fl = f(`node-api/src/routes/handler${k}.ts`);
      fl.t("import { Router } from 'express';", "import { z } from 'zod';", '', 'export const router = Router();', '');
      for (let m = 0; m < 60; m++) {
        fl.t(`const Schema${m} = z.object({ id: z.string().uuid(), name: z.string().min(1).max(${g.int(10, 200)}), tags: z.array(z.string()).optional() });`);
        fl.t(`router.${g.pick(['get', 'post', 'put'])}('/items/${m}/:id', async (req, res) => {`, `  const parsed = Schema${m}.safeParse(req.body);`, '  if (!parsed.success) return res.status(400).json({ error: parsed.error.flatten() });', `  const etag = '"${g.hex(16)}"';`, `  res.setHeader('ETag', etag);`, `  return res.json({ ok: true, id: req.params.id, rev: ${g.int(1, 9999)} });`, '});', '');
      }
    }
    for (let k = 0; k < 6; k++) {
      const fl = f(`py-shop/shop/services/service${k}.py`);
      fl.t('import logging', 'from decimal import Decimal', '', 'log = logging.getLogger(__name__)', '');
      for (let m = 0; m < 50; m++) {
        fl.t(`def compute_${m}(order, rate=Decimal("0.${g.int(10, 99)}")):`, `    """Compute line ${m} totals for an order."""`, '    total = sum(line.price * line.qty for line in order.lines)', `    log.debug("order %s total %s checksum ${g.hex(8)}", order.id, total)`, '    return (total * rate).quantize(Decimal("0.01"))', '');
      }
    }
  }
  return files;
}

/** Writes the corpus under `root` (wiped first) and returns its manifest. */
export function generateCorpus(root: string, seed = 0x1ea3c0de): Corpus {
  rmSync(root, { recursive: true, force: true });
  const g = new Gen(seed);
  const files = buildFiles(g);
  const positives: PlantedPositive[] = [];
  const negatives: PlantedNegative[] = [];
  let bytes = 0;
  for (const fb of files) {
    const abs = path.join(root, fb.rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    const buf = fb.render();
    writeFileSync(abs, buf);
    bytes += buf.length;
    for (const m of fb.marks) {
      if (m.kind === 'pos') positives.push({ file: fb.rel, line: m.line, endLine: m.endLine, label: m.label, secret: m.secret, encoded: m.encoded });
      else negatives.push({ file: fb.rel, line: m.line, label: m.label });
    }
  }
  return { root, positives, negatives, bytes, files: files.length };
}
