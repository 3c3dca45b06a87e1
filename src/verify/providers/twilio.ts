/**
 * Twilio: `GET https://api.twilio.com/2010-04-01/Accounts/{AccountSid}.json` with HTTP Basic `AccountSid:AuthToken`.
 * 200 with the account's `friendly_name` and `sid`; 401 (code 20003 "Authenticate") when the pair does not work.
 * The account SID is the pair's partner: an `AC` + 32 hex characters string near the token.
 */
import type { Verifier } from '../types.js';
import { basic, identityOf, restResult, unknown } from './common.js';

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const isWord = (c: number): boolean => isHex(c) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;

/** Every `AC` + 32 hex account SID in a line, as whole words (a plain loop: the line is scanned content). */
export function twilioAccountSids(line: string): string[] {
  const out: string[] = [];
  for (let i = line.indexOf('AC'); i >= 0; i = line.indexOf('AC', i + 1)) {
    if (i > 0 && isWord(line.charCodeAt(i - 1))) continue;
    let j = i + 2;
    while (j < line.length && j - i - 2 < 32 && isHex(line.charCodeAt(j))) j++;
    if (j - i - 2 === 32 && !(j < line.length && isWord(line.charCodeAt(j)))) out.push(line.slice(i, j));
  }
  return out;
}

export const twilio: Verifier = {
  provider: 'twilio',
  endpoint: { provider: 'twilio', baseUrl: 'https://api.twilio.com' },
  async check({ secret, partner }, { http }) {
    if (!partner) return unknown('no account SID found within 10 lines');
    const out = await http.call(this.endpoint!, {
      method: 'GET',
      path: `/2010-04-01/Accounts/${encodeURIComponent(partner)}.json`,
      headers: basic(partner, secret),
    });
    return restResult(out, (b) => identityOf(b['friendly_name'], b['sid'] !== undefined ? `(${String(b['sid'])})` : undefined), { forbiddenIsInvalid: true });
  },
};
