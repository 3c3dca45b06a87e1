/**
 * GitHub: `GET https://api.github.com/user` (REST "Get the authenticated user") with the token as Bearer: 200 and
 * `login` for user tokens (classic and fine-grained PATs, OAuth and user-to-server tokens), 401 "Bad credentials"
 * when revoked or unknown. Installation tokens (`ghs_`) are not users: `GET /installation/repositories?per_page=1`.
 * A 403 or 429 with `x-ratelimit-remaining: 0` is GitHub's rate limit, not a verdict.
 */
import type { Verifier } from '../types.js';
import { bearer, restResult, unknown } from './common.js';

export const github: Verifier = {
  provider: 'github',
  endpoint: { provider: 'github', baseUrl: 'https://api.github.com' },
  async check({ secret }, { http }) {
    const installation = secret.startsWith('ghs_');
    const out = await http.call(this.endpoint!, {
      method: 'GET',
      path: installation ? '/installation/repositories?per_page=1' : '/user',
      headers: { ...bearer(secret), accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    });
    if (out.ok && out.response.status === 403 && out.response.headers['x-ratelimit-remaining'] === '0') return unknown('rate limited');
    return restResult(out, (body) => (installation ? undefined : typeof body['login'] === 'string' ? (body['login'] as string) : undefined));
  },
};
