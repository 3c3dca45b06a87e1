/**
 * Providers whose check is one authenticated GET of a documented read-only endpoint:
 * - Stripe: `GET https://api.stripe.com/v1/account`, key as Bearer. 200 with the account `id` (and `email`); 401
 *   for an unknown or expired key. A restricted key without the account permission gets 403: it authenticated, so
 *   it is `verified` without an identity.
 * - OpenAI: `GET https://api.openai.com/v1/models`, key as Bearer. 200 (`{"object":"list"}`); 401
 *   `invalid_api_key`. The `openai-organization` response header names the organization.
 * - Anthropic: `GET https://api.anthropic.com/v1/models` with `x-api-key` and `anthropic-version: 2023-06-01`;
 *   200, or 401 `authentication_error`. Admin keys: `GET /v1/organizations/me` → `{id, name}`.
 * - npm: `GET https://registry.npmjs.org/-/whoami`, token as Bearer: 200 `{"username"}`, 401 otherwise.
 * - SendGrid: `GET https://api.sendgrid.com/v3/scopes`, key as Bearer: 200 `{"scopes":[…]}`, 401 otherwise.
 */
import type { Verifier } from '../types.js';
import { bearer, identityOf, restResult } from './common.js';

export const stripe: Verifier = {
  provider: 'stripe',
  endpoint: { provider: 'stripe', baseUrl: 'https://api.stripe.com' },
  async check({ secret }, { http }) {
    const out = await http.call(this.endpoint!, { method: 'GET', path: '/v1/account', headers: bearer(secret) });
    return restResult(out, (b) => identityOf(b['id'], typeof b['email'] === 'string' ? `<${b['email']}>` : undefined), { forbiddenIsValid: true });
  },
};

export const openai: Verifier = {
  provider: 'openai',
  endpoint: { provider: 'openai', baseUrl: 'https://api.openai.com' },
  async check({ secret }, { http }) {
    const out = await http.call(this.endpoint!, { method: 'GET', path: '/v1/models', headers: bearer(secret) });
    return restResult(out, (_b, res) => identityOf(res.headers['openai-organization']));
  },
};

export const anthropic: Verifier = {
  provider: 'anthropic',
  endpoint: { provider: 'anthropic', baseUrl: 'https://api.anthropic.com' },
  async check({ secret }, { http }) {
    const admin = secret.startsWith('sk-ant-admin');
    const out = await http.call(this.endpoint!, {
      method: 'GET',
      path: admin ? '/v1/organizations/me' : '/v1/models',
      headers: { 'x-api-key': secret, 'anthropic-version': '2023-06-01' },
    });
    return restResult(out, (b) => (admin ? identityOf(b['name'], b['id'] !== undefined ? `(${String(b['id'])})` : undefined) : undefined));
  },
};

export const npm: Verifier = {
  provider: 'npm',
  endpoint: { provider: 'npm', baseUrl: 'https://registry.npmjs.org' },
  async check({ secret }, { http }) {
    const out = await http.call(this.endpoint!, { method: 'GET', path: '/-/whoami', headers: bearer(secret) });
    return restResult(out, (b) => identityOf(b['username']), { forbiddenIsInvalid: true });
  },
};

export const sendgrid: Verifier = {
  provider: 'sendgrid',
  endpoint: { provider: 'sendgrid', baseUrl: 'https://api.sendgrid.com' },
  async check({ secret }, { http }) {
    const out = await http.call(this.endpoint!, { method: 'GET', path: '/v3/scopes', headers: bearer(secret) });
    return restResult(out, () => undefined, { forbiddenIsInvalid: true });
  },
};
