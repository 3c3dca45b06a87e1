/**
 * AWS Signature Version 4, signed by hand with node:crypto (one request shape: a few headers, a string body), as
 * "Create a signed AWS API request" documents it: canonical request → string to sign → HMAC chain
 * (`AWS4` + secret → date → region → service → `aws4_request`) → `Authorization` header.
 */
import { createHash, createHmac } from 'node:crypto';

export interface SigV4Request {
  readonly method: string;
  readonly host: string;
  /** Canonical URI, e.g. `/`. */
  readonly path: string;
  /** Canonical query string (already sorted and encoded), e.g. `Action=ListUsers&Version=2010-05-08`. */
  readonly query?: string;
  /** Header names lower-case; `host` and `x-amz-date` are added. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly region: string;
  readonly service: string;
  /** `YYYYMMDDTHHMMSSZ`. */
  readonly amzDate: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, s: string): Buffer => createHmac('sha256', key).update(s, 'utf8').digest();

/** `YYYYMMDDTHHMMSSZ` for a date. */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
}

/** The headers to send (including `authorization` and `x-amz-date`); also returns the signature for tests. */
export function signV4(req: SigV4Request): { headers: Record<string, string>; signature: string } {
  const date = req.amzDate.slice(0, 8);
  const all: Record<string, string> = { ...req.headers, host: req.host, 'x-amz-date': req.amzDate };
  const names = Object.keys(all).map((k) => k.toLowerCase()).sort();
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) lower[k.toLowerCase()] = v.trim().split(/\s+/).join(' ');
  const canonicalHeaders = names.map((n) => `${n}:${lower[n]}\n`).join('');
  const signedHeaders = names.join(';');
  const canonical = [req.method, req.path, req.query ?? '', canonicalHeaders, signedHeaders, sha256Hex(req.body)].join('\n');
  const scope = `${date}/${req.region}/${req.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', req.amzDate, scope, sha256Hex(canonical)].join('\n');
  const signature = createHmac('sha256', signingKey(req.secretAccessKey, date, req.region, req.service)).update(toSign, 'utf8').digest('hex');
  const headers: Record<string, string> = { ...req.headers, 'x-amz-date': req.amzDate };
  headers['authorization'] = `AWS4-HMAC-SHA256 Credential=${req.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { headers, signature };
}
