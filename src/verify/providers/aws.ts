/**
 * AWS: STS `GetCallerIdentity` (`POST https://sts.amazonaws.com/`, `Action=GetCallerIdentity&Version=2011-06-15`,
 * SigV4 for us-east-1 / sts). It needs no permission and changes nothing. 200 with
 * `<GetCallerIdentityResult><Arn>…</Arn><Account>…</Account>`; 403 with `<Code>InvalidClientTokenId</Code>` (no
 * such key id) or `SignatureDoesNotMatch` (wrong secret) when the pair does not work. The pair is the access key id
 * (the partner) and the secret access key. Temporary key ids (`ASIA…`) need their session token: `unknown`.
 */
import type { Verifier } from '../types.js';
import { identityOf, invalid, otherStatus, unknown } from './common.js';
import { amzDate, signV4 } from './sigv4.js';

const BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

/** The text of the first `<tag>…</tag>` in a provider's XML answer (not scanned content). */
function xmlText(xml: string, tag: string): string | undefined {
  const open = xml.indexOf(`<${tag}>`);
  if (open < 0) return undefined;
  const close = xml.indexOf(`</${tag}>`, open);
  return close < 0 ? undefined : xml.slice(open + tag.length + 2, close);
}

export const aws: Verifier = {
  provider: 'aws',
  endpoint: { provider: 'aws', baseUrl: 'https://sts.amazonaws.com' },
  async check({ secret, partner }, { http }) {
    if (!partner) return unknown('no access key id found within 10 lines');
    if (partner.startsWith('ASIA')) return unknown('temporary credentials (ASIA…) need their session token');
    const host = new URL(http.baseUrl(this.endpoint!)).host;
    const { headers } = signV4({
      method: 'POST', host, path: '/', body: BODY, region: 'us-east-1', service: 'sts', amzDate: amzDate(new Date()),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      accessKeyId: partner, secretAccessKey: secret,
    });
    const out = await http.call(this.endpoint!, { method: 'POST', path: '/', headers, body: BODY });
    if (!out.ok) return unknown(out.reason);
    const { status, text } = out.response;
    if (status === 200) {
      const arn = xmlText(text, 'Arn');
      return arn === undefined ? unknown('malformed answer') : { status: 'verified', identity: identityOf(arn)! };
    }
    const code = xmlText(text, 'Code');
    if (status === 403 && (code === 'InvalidClientTokenId' || code === 'SignatureDoesNotMatch')) return invalid(`rejected by AWS (${code})`);
    if (code === 'Throttling' || code === 'ThrottlingException') return unknown('rate limited');
    return otherStatus(out.response);
  },
};
