/** What most HTTP verifiers share: reading the answer's status and a JSON body, and cleaning identities. */
import type { CallOutcome, HttpResponse } from '../http.js';
import type { CheckResult } from '../types.js';

/** An identity from a provider's answer, made safe to print: no control characters, at most 200 characters. */
export function cleanIdentity(s: unknown): string | undefined {
  if (typeof s !== 'string' && typeof s !== 'number') return undefined;
  let out = '';
  for (const ch of String(s)) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c < 0xa0)) out += ch;
    if (out.length >= 200) break;
  }
  out = out.trim();
  return out === '' ? undefined : out;
}

/** Joins the identity parts the provider gave, skipping missing ones. */
export function identityOf(...parts: unknown[]): string | undefined {
  const clean = parts.map(cleanIdentity).filter((p): p is string => p !== undefined);
  return clean.length ? cleanIdentity(clean.join(' ')) : undefined;
}

/** The body as a JSON object, or undefined when it is not one. */
export function jsonObject(res: HttpResponse): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(res.text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const unknown = (reason: string): CheckResult => ({ status: 'unknown', reason });
export const invalid = (reason: string): CheckResult => ({ status: 'invalid', reason });
export const MALFORMED = unknown('malformed answer');

/** A status with no provider-specific meaning: 5xx and the rest are `unknown`. */
export function otherStatus(res: HttpResponse): CheckResult {
  return unknown(`unexpected answer (HTTP ${res.status})`);
}

/**
 * The common REST shape: 200 with a JSON object → `verified` (identity from `identify`); 401 (and 403 when
 * `forbiddenIsInvalid`) → `invalid`; anything else → `unknown`.
 */
export function restResult(
  out: CallOutcome,
  identify: (body: Record<string, unknown>, res: HttpResponse) => string | undefined,
  opts: { forbiddenIsInvalid?: boolean; forbiddenIsValid?: boolean } = {},
): CheckResult {
  if (!out.ok) return unknown(out.reason);
  const res = out.response;
  if (res.status === 200) {
    const body = jsonObject(res);
    if (!body) return MALFORMED;
    const identity = identify(body, res);
    return identity === undefined ? { status: 'verified' } : { status: 'verified', identity };
  }
  if (res.status === 401) return invalid('rejected by the provider (HTTP 401)');
  if (res.status === 403 && opts.forbiddenIsInvalid) return invalid('rejected by the provider (HTTP 403)');
  if (res.status === 403 && opts.forbiddenIsValid) return { status: 'verified', reason: 'authenticated, but not allowed to read its identity' };
  return otherStatus(res);
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
export const basic = (user: string, password: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`,
});
