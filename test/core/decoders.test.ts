/** Decoding: base64 (standard, URL-safe, wrapped over lines), percent, hex; recursion depth; findings at the encoded span. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSegments, mapSpan, type Segment } from '../../src/core/decoders.js';
import type { RuleSpec } from '../../src/core/types.js';
import { brief, chunked, collect, config, prng, scanText, token } from './helpers/engine.js';
import { builtinConfig } from '../../src/core/config.js';
import { createScanner, WINDOW } from '../../src/core/scanner.js';
import { base62, crc32 } from '../../src/core/validators.js';

const tok = token('tk_', 24, 21);
const tokRule: RuleSpec = { id: 'tok', regex: 'tk_[A-Za-z0-9]{24}', keywords: ['tk_'] };
const urlRule: RuleSpec = { id: 'url-pass', regex: '[a-z]+://[^:@/\\s]+:([^/\\s]{6,64})@[a-z0-9.-]+', keywords: ['://'] };
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const b64url = (s: string): string => Buffer.from(s).toString('base64url');

test('decode: a Kubernetes Secret data value (base64 of a token)', () => {
  const enc = b64(tok);
  const text = `apiVersion: v1\nkind: Secret\ndata:\n  api-token: ${enc}\n`;
  const got = scanText(config([tokRule]), text);
  assert.equal(got.length, 1, got.map(brief).join());
  const f = got[0]!;
  assert.equal(f.secret, tok);
  assert.deepEqual(f.decodedBy, ['base64']);
  const at = text.indexOf(enc);
  assert.deepEqual(f.span, [at, at + enc.length], 'span is the encoded text');
  assert.deepEqual([f.startLine, f.startColumn, f.endColumn], [4, 14, 13 + enc.length]);
});

test('decode: a base64 .env file in a CI variable, each secret at its own encoded span', () => {
  const t2 = token('tk_', 24, 22);
  const env = `# env\nFIRST=${tok}\nSECOND=${t2}\n`;
  const enc = b64(env);
  const text = `variables:\n  ENV_FILE: "${enc}"\n`;
  const got = scanText(config([tokRule]), text);
  assert.deepEqual(got.map((f) => f.secret), [tok, t2], got.map(brief).join());
  const at = text.indexOf(enc);
  for (const f of got) {
    assert.ok(f.span[0] >= at && f.span[1] <= at + enc.length, `span inside the encoded value: ${brief(f)}`);
    // the encoded span decodes to text containing the secret
    const part = text.slice(f.span[0] - ((f.span[0] - at) % 4), f.span[1] + 4);
    assert.ok(Buffer.from(part, 'base64').toString().includes(f.secret.slice(0, 8)), brief(f));
  }
});

test('decode: URL-safe base64', () => {
  const s = `${tok}??>>`; // '?' and '>' give '_' / '-' style characters
  const got = scanText(config([tokRule]), `v=${b64url(s)}\n`);
  assert.deepEqual(got.map((f) => [f.secret, f.decodedBy?.join()]), [[tok, 'base64']]);
});

test('decode: a percent-encoded password in a URL is seen decoded', () => {
  const text = 'DATABASE_URL=postgres://app:p%40ss%21w0rd-2024@db.example.com:5432/app\n';
  const got = scanText(config([urlRule]), text);
  assert.equal(got.length, 1, got.map(brief).join());
  assert.equal(got[0]!.secret, 'p@ss!w0rd-2024');
  assert.deepEqual(got[0]!.decodedBy, ['percent']);
  const at = text.indexOf('p%40ss');
  assert.deepEqual(got[0]!.span, [at, at + 'p%40ss%21w0rd-2024'.length]);
});

test('decode: a plain URL password is reported once, not again from the decoded copy', () => {
  const text = 'x = https://user:plainpass99@host.example.com/?q=%20\n';
  const got = scanText(config([urlRule]), text);
  assert.deepEqual(got.map((f) => [f.secret, f.decodedBy]), [['plainpass99', undefined]]);
});

test('decode: hex of a token', () => {
  const enc = Buffer.from(tok).toString('hex');
  const got = scanText(config([tokRule]), `key: ${enc}\n`);
  assert.deepEqual(got.map((f) => [f.secret, f.decodedBy?.join()]), [[tok, 'hex']]);
  assert.deepEqual(got[0]!.span, [5, 5 + enc.length]);
});

test('decode: nested base64 of base64 at depth 2, outermost first', () => {
  const enc = b64(`inner: ${b64(tok)}\n`);
  const got = scanText(config([tokRule]), `blob ${enc}\n`);
  assert.deepEqual(got.map((f) => f.decodedBy), [['base64', 'base64']]);
  assert.equal(got[0]!.secret, tok);
});

test('decode: depth 1 stops after one decoding; depth 0 turns decoding off', () => {
  const nested = `blob ${b64(`inner: ${b64(tok)}\n`)}\n`;
  assert.equal(scanText(config([tokRule]), nested, { path: 'f' }, { maxDecodeDepth: 1 }).length, 0);
  assert.equal(scanText(config([tokRule]), `v: ${b64(tok)}\n`, { path: 'f' }, { maxDecodeDepth: 0 }).length, 0);
});

test('decode: binary-looking decodings are not rescanned', () => {
  const segs: Segment[] = [];
  const buf = Buffer.from(`x ${Buffer.from([0, 1, 2, 3, 250, 251, 252, 4, 5, 6, 7, 8, 9, 10, 11, 12]).toString('base64')} y`);
  findSegments(buf, 0, buf.length, segs);
  assert.equal(segs.length, 0);
});

test('decode: identifiers and plain words are not segments', () => {
  const segs: Segment[] = [];
  const buf = Buffer.from('function addEventListenerOnce(someVeryLongParameterName) { return thisIsNotBase64AtAll; }');
  findSegments(buf, 0, buf.length, segs);
  assert.deepEqual(segs.map((s) => s.kind), []);
});

test('decode: mapSpan maps decoded bytes to the encoded characters', () => {
  const text = 'abcdefghijkl';
  const enc = Buffer.from(`..${b64(text)}..`);
  const segs: Segment[] = [];
  findSegments(enc, 0, enc.length, segs);
  assert.equal(segs.length, 1);
  const seg = segs[0]!;
  assert.equal(seg.decoded.toString(), text);
  for (let a = 0; a < text.length; a++) {
    for (let b = a + 1; b <= text.length; b++) {
      const [s, e] = mapSpan(seg, a, b);
      const dec = Buffer.from(enc.subarray(s - ((s - seg.start) % 4), e + 3).toString(), 'base64').toString();
      assert.ok(dec.includes(text.slice(a, b)), `bytes ${a}..${b} map to ${s}..${e}`);
    }
  }
});

test('decode: a secret in decoded text honours the inline allow marker of the original line', () => {
  const got = scanText(config([tokRule]), `v: ${b64(tok)} # leakward:allow\n`);
  assert.equal(got.length, 0);
});

test('decode: segments found over [0,k) and [k,n) are exactly those over [0,n), for every k (seeded inputs)', () => {
  const words = ['the ', 'apiKey', ' = ', '"', '\n', 'é', 'someVeryLongIdentifierName', '%41', 'deadbeef'];
  for (let seed = 1; seed <= 5; seed++) {
    const r = prng(seed);
    const parts: string[] = [];
    while (parts.join('').length < 600) {
      parts.push(r() < 0.15 ? b64(`k=${token('tk_', 24, Math.floor(r() * 1e6))}\n`) : r() < 0.05 ? `a%20b%40c` : words[Math.floor(r() * words.length)]!);
    }
    const whole = assertSplitInvariant(Buffer.from(parts.join('')), seed);
    assert.ok(whole.length > 0, `seed ${seed} has segments`);
  }
});

// --- base64 wrapped over several lines ---

/** `base64` without -w0: lines of `width` characters (LF, or CRLF), each prefixed with `indent`. */
function wrap(s: string | Buffer, width = 76, indent = '', eol = '\n'): string {
  const enc = Buffer.from(s).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < enc.length; i += width) lines.push(indent + enc.slice(i, i + width));
  return lines.join(eol) + eol;
}

/** A synthetic GitHub classic token with a valid CRC32/Base62 checksum. */
function ghpToken(seed: number): string {
  const body = token('', 30, seed);
  return `ghp_${body}${base62(crc32(body), 6)}`;
}

const awsId = 'AKIAQYLPMN5HFIQR7XYZ';
const awsSecret = token('', 40, 77).replace(/[^A-Za-z0-9/+]/g, 'x');
const ghp = ghpToken(4242);
const dotEnv = [
  '# production settings, do not commit',
  'APP_NAME=billing-service',
  'LOG_LEVEL=info',
  'DATABASE_POOL_SIZE=20',
  `AWS_ACCESS_KEY_ID=${awsId}`,
  `AWS_SECRET_ACCESS_KEY=${awsSecret}`,
  'AWS_REGION=eu-west-1',
  `GITHUB_TOKEN=${ghp}`,
  'FEATURE_FLAGS=checkout,search',
  '',
].join('\n');

/** Line (1-based) and column (1-based) of byte offset `at` in `text` (ASCII text). */
function lineCol(text: string, at: number): [number, number] {
  const before = text.slice(0, at);
  return [before.split('\n').length, at - before.lastIndexOf('\n')];
}

/**
 * The encoded span [s, e) of a wrapped blob starting at blobStart, line breaks and indentation removed and re-aligned
 * to its base64 quantum, decodes to text holding `secret`.
 */
function spanDecodesTo(text: string, span: readonly [number, number], blobStart: number, secret: string): boolean {
  const clean = (x: string): string => x.replace(/[^A-Za-z0-9+/]/g, '');
  const lead = clean(text.slice(blobStart, span[0])).length;
  let part = clean(text.slice(blobStart, span[1])).slice(lead - (lead % 4));
  if (part.length % 4 === 1) part = part.slice(0, -1);
  return Buffer.from(part, 'base64').toString('latin1').includes(secret);
}

test('wrapped: a .env file base64-wrapped at 76 columns — AWS key pair and a GitHub token, at the right lines', () => {
  const enc = wrap(dotEnv);
  assert.ok(enc.split('\n').length > 4, 'the blob spans several lines');
  const text = `# deploy notes\nENV_FILE_B64 contents below:\n${enc}# end\n`;
  const got = scanText(builtinConfig(), text, { path: 'deploy.txt' });
  const by = (id: string) => got.filter((f) => f.ruleId === id);
  assert.equal(by('aws-access-token').length, 1, got.map(brief).join());
  assert.equal(by('aws-secret-access-key').length, 1, got.map(brief).join());
  assert.equal(by('github-pat').length, 1, got.map(brief).join());
  const blobStart = text.indexOf(enc);
  for (const [secret] of [[awsId], [awsSecret], [ghp]] as const) {
    const f = got.find((x) => x.secret === secret);
    assert.ok(f, `a finding for each secret (${secret.slice(0, 4)}…): ${got.map(brief).join()}`);
    assert.deepEqual(f.decodedBy, ['base64']);
    assert.ok(f.span[0] >= blobStart && f.span[1] <= blobStart + enc.length, brief(f));
    assert.deepEqual([f.startLine, f.startColumn], lineCol(text, f.span[0]), `position is the encoded start: ${brief(f)}`);
    assert.ok(spanDecodesTo(text, f.span, blobStart, secret), `span decodes to the secret: ${brief(f)}`);
    assert.ok(f.startLine >= 3, brief(f));
  }
  // the key id sits in the 5th .env line: well past the first encoded line
  const id = got.find((x) => x.secret === awsId)!;
  const expectedLine = 3 + Math.floor(Math.floor(dotEnv.indexOf(awsId) / 3) * 4 / 76);
  assert.equal(id.startLine, expectedLine, brief(id));
});

test('wrapped: a Kubernetes Secret with an indented block scalar, and CRLF line breaks', () => {
  const t1 = token('tk_', 24, 31);
  const t2 = token('tk_', 24, 32);
  const env = `# config\nFIRST_TOKEN_VALUE=${t1}\nSOME_OTHER_SETTING=a-fairly-long-value-to-wrap-over-lines\nSECOND=${t2}\n`;
  for (const eol of ['\n', '\r\n']) {
    const enc = wrap(env, 64, '    ', eol);
    const text = ['apiVersion: v1', 'kind: Secret', 'metadata:', '  name: app-env', 'type: Opaque', 'data:', '  app.env: |', enc + '  other: dmFsdWU=', ''].join(eol);
    const got = scanText(config([tokRule]), text);
    assert.deepEqual(got.map((f) => f.secret), [t1, t2], `${JSON.stringify(eol)}: ${got.map(brief).join()}`);
    const blobStart = text.indexOf(enc);
    for (const f of got) {
      assert.deepEqual(f.decodedBy, ['base64']);
      const lc = lineCol(text, f.span[0]);
      assert.deepEqual([f.startLine, f.startColumn], lc, brief(f));
      assert.ok(f.startColumn >= 5, `after the indentation: ${brief(f)}`);
      assert.ok(spanDecodesTo(text, f.span, blobStart, f.secret), brief(f));
    }
  }
});

test('wrapped: a token split across the line break is found whole; `KEY=` prefix on the first line', () => {
  // put the token right across the first 76-column line break (57 decoded bytes per line)
  const pre = 'x'.repeat(50) + '\n';
  const body = `${pre}T=${tok}\n${'y'.repeat(80)}\n`;
  const enc = Buffer.from(body).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < enc.length; i += 76) lines.push(enc.slice(i, i + 76));
  const text = `BLOB=${lines.join('\n')}\nnext=1\n`;
  const got = scanText(config([tokRule]), text);
  assert.equal(got.length, 1, got.map(brief).join());
  const f = got[0]!;
  assert.equal(f.secret, tok);
  assert.deepEqual([f.startLine, f.endLine], [1, 2], brief(f));
  assert.deepEqual([f.startLine, f.startColumn], lineCol(text, f.span[0]), brief(f));
  // line by line (decoding off for the join) it would not be seen: each line alone holds only part of it
  assert.ok(!Buffer.from(lines[0]!, 'base64').toString().includes(tok));
});

test('wrapped: a short word under a block at the same indentation does not spoil it', () => {
  const t = token('tk_', 24, 71);
  const enc = wrap(`${'a'.repeat(100)}\nT=${t}\n`, 64, '    ');
  for (const after of ['    end\n', '    done\n', '    xyz==\n', '  next: 1\n']) {
    const text = `data: |\n${enc}${after}`;
    const got = scanText(config([tokRule]), text);
    assert.deepEqual(got.map((f) => f.secret), [t], `${JSON.stringify(after)}: ${got.map(brief).join()}`);
    assert.deepEqual([got[0]!.startLine, got[0]!.startColumn], lineCol(text, got[0]!.span[0]), brief(got[0]!));
  }
});

test('wrapped: base64 of a PNG / random bytes and PEM bodies give no segment', () => {
  const r = prng(99);
  const png = Buffer.alloc(3000);
  for (let i = 0; i < png.length; i++) png[i] = Math.floor(r() * 256);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png);
  const segs: Segment[] = [];
  const buf = Buffer.from(`image: |\n${wrap(png, 76, '  ')}done\n`);
  findSegments(buf, 0, buf.length, segs);
  assert.equal(segs.length, 0);
  assert.equal(scanText(builtinConfig(), buf, { path: 'img.yaml' }).length, 0);
  // a PEM-armoured block of text-looking base64 is skipped (keys and certificates have their own rules)
  const pem = `-----BEGIN CERTIFICATE-----\n${wrap(`k=${tok}\n`.repeat(20), 64)}-----END CERTIFICATE-----\n`;
  const pemSegs: Segment[] = [];
  const pb = Buffer.from(pem);
  findSegments(pb, 0, pb.length, pemSegs);
  assert.deepEqual(pemSegs.map((s) => s.kind), []);
});

test('wrapped: mapSpan of a wrapped segment maps every decoded range into the right encoded lines', () => {
  const text = Array.from({ length: 12 }, (_, i) => `line ${i} of some decoded text`).join('\n');
  const enc = wrap(text, 60, '  ', '\r\n');
  const buf = Buffer.from(`v: |\r\n${enc}`);
  const segs: Segment[] = [];
  findSegments(buf, 0, buf.length, segs);
  assert.equal(segs.length, 1);
  const seg = segs[0]!;
  assert.equal(seg.decoded.toString(), text);
  const s = buf.toString('latin1');
  for (let a = 0; a < text.length; a += 7) {
    for (let b = a + 1; b <= text.length; b += 5) {
      const [x, y] = mapSpan(seg, a, b);
      assert.ok(x >= seg.start && y <= seg.end && x < y, `${a}..${b} → ${x}..${y}`);
      assert.ok(/[A-Za-z0-9+/]/.test(s[x]!), `starts on a base64 character: ${a}..${b}`);
      assert.ok(spanDecodesTo(s, [x, y], seg.start, text.slice(a, b)), `${a}..${b} → ${x}..${y}`);
    }
  }
});

test('wrapped: segments over [0,k) and [k,n) are exactly those over [0,n), for every k (wrapped blobs, seeded)', () => {
  for (let seed = 1; seed <= 4; seed++) {
    const r = prng(seed + 100);
    const parts: string[] = [];
    while (parts.join('').length < 2500) {
      const x = r();
      const t = token('tk_', 24, Math.floor(r() * 1e6));
      if (x < 0.2) parts.push(wrap(`a=${t}\nsome more text here to make it wrap ${t}\n`, [40, 60, 64, 76][Math.floor(r() * 4)]!, r() < 0.5 ? '  ' : '', r() < 0.3 ? '\r\n' : '\n'));
      else if (x < 0.3) parts.push(`KEY=${wrap(`${t} ${t}\n`, 44)}`);
      else if (x < 0.35) parts.push(`${b64(t)}\n`);
      else if (x < 0.42) {
        // lines of decreasing (or equal) widths: chains of possible last lines
        const enc = b64(`b=${t}\n`.repeat(12));
        let w = [76, 64, 60][Math.floor(r() * 3)]!;
        let at = 0;
        for (let k = 2 + Math.floor(r() * 5); k > 0; k--) {
          parts.push(`  ${enc.slice(at, at + w)}\n`);
          at += w;
          if (r() < 0.6) w = Math.max(8, w - 4 * (1 + Math.floor(r() * 3)));
        }
      }
      else parts.push(['the ', 'apiKey = "', '"\n', '\n', 'someVeryLongIdentifierName', 'deadbeef '][Math.floor(r() * 6)]!);
    }
    const whole = assertSplitInvariant(Buffer.from(parts.join('')), seed);
    assert.ok(whole.some((s) => s.lines !== undefined), `seed ${seed} has wrapped segments`);
  }
});

test('wrapped: a blob straddling the window boundary is found once, whatever the chunking', async () => {
  const t = token('tk_', 24, 555);
  const blob = wrap(`${'z'.repeat(200)}\nTOKEN=${t}\n${'w'.repeat(300)}\n`, 76, '    ');
  const head = 'x'.repeat(WINDOW - 200) + '\ndata: |\n';
  const input = Buffer.from(head + blob + 'tail\n');
  const cfg = config([tokRule]);
  const scanner = createScanner(cfg);
  const whole = scanner.scanBuffer(input, { path: 'f' });
  assert.equal(whole.length, 1, whole.map(brief).join());
  assert.ok(whole[0]!.span[0] > WINDOW - 200, brief(whole[0]!));
  for (const size of [1 << 16, 100_003, 4093]) {
    const got = await collect(scanner.scanFragment({ path: 'f', content: chunked(input, () => size) }));
    assert.deepEqual(got.map(brief), whole.map(brief), `chunk ${size}`);
  }
});

test('wrapped: blobs placed all around the window boundary give the same findings for random chunkings', async () => {
  const cfg = config([tokRule]);
  const scanner = createScanner(cfg);
  const r = prng(2024);
  for (const shift of [-9000, -2000, -700, -80, -1, 0, 1, 40, 3000]) {
    const t = token('tk_', 24, 9000 + shift);
    const blob = wrap(`${'q'.repeat(Math.floor(r() * 400))}\nTOKEN=${t}\n${'v'.repeat(Math.floor(r() * 3000))}\n`, 64, '  ', r() < 0.5 ? '\r\n' : '\n');
    const lead = WINDOW + shift - 12;
    const input = Buffer.from('y'.repeat(Math.max(0, lead - 1)) + '\nblob: |\n' + blob + 'end\n');
    const whole = scanner.scanBuffer(input, { path: 'f' });
    assert.deepEqual(whole.map((f) => f.secret), [t], `shift ${shift}: ${whole.map(brief).join()}`);
    const text = input.toString('latin1');
    assert.deepEqual([whole[0]!.startLine, whole[0]!.startColumn], lineCol(text, whole[0]!.span[0]), brief(whole[0]!));
    for (let k = 0; k < 3; k++) {
      const got = await collect(scanner.scanFragment({ path: 'f', content: chunked(input, () => 1 + Math.floor(r() * (r() < 0.5 ? 5000 : 400_000))) }));
      assert.deepEqual(got.map(brief), whole.map(brief), `shift ${shift}, chunking ${k}`);
    }
  }
});

/** Segments found over [0, k) then [k, len) equal those found over the whole buffer, for every k; returns the whole. */
function assertSplitInvariant(buf: Buffer, seed: number): Segment[] {
  const whole: Segment[] = [];
  findSegments(buf, 0, buf.length, whole);
  const key = (s: Segment): string => `${s.kind}:${s.start}-${s.end}`;
  for (let k = 0; k <= buf.length; k++) {
    const split: Segment[] = [];
    findSegments(buf, 0, k, split);
    findSegments(buf, k, buf.length, split);
    assert.deepEqual(split.map(key).sort(), whole.map(key).sort(), `seed ${seed}, split at ${k}`);
  }
  return whole;
}
