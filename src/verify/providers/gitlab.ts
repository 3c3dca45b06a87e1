/**
 * GitLab: `GET https://gitlab.com/api/v4/personal_access_tokens/self` with `PRIVATE-TOKEN` (personal, project and
 * group access tokens): 200 with the token's `name`, `user_id`, `scopes`, `active`; 401 when revoked, expired or
 * unknown. Only gitlab.com is asked: a token of a self-managed instance is `invalid` there, so the reason says which
 * host rejected it.
 */
import type { Verifier } from '../types.js';
import { identityOf, invalid, restResult } from './common.js';

export const gitlab: Verifier = {
  provider: 'gitlab',
  endpoint: { provider: 'gitlab', baseUrl: 'https://gitlab.com' },
  async check({ secret }, { http }) {
    const out = await http.call(this.endpoint!, { method: 'GET', path: '/api/v4/personal_access_tokens/self', headers: { 'private-token': secret } });
    if (out.ok && out.response.status === 401) return invalid('rejected by gitlab.com (a self-managed instance was not asked)');
    const r = restResult(out, (b) => identityOf(b['name'], b['user_id'] !== undefined ? `(user ${String(b['user_id'])})` : undefined));
    if (r.status === 'verified' && out.ok) {
      const body = JSON.parse(out.response.text) as Record<string, unknown>;
      if (body['active'] === false || body['revoked'] === true) return invalid('token is revoked or expired');
    }
    return r;
  },
};
