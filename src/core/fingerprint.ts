/**
 * Finding fingerprints: `lw1:` + hex HMAC-SHA256(key = salt, message = ruleId + '\0' + secret).
 * Position-independent (a secret moved to another line keeps its fingerprint) and keyed, so a baseline file does
 * not reveal secrets by brute force unless the salt is known. The default key is public: it only makes
 * fingerprints stable across machines; set `fingerprintSalt` (the baseline's salt) to make them private.
 */
import { createHmac } from 'node:crypto';

export const DEFAULT_FINGERPRINT_SALT = 'leakward-fingerprint-v1';

export function fingerprint(ruleId: string, secret: string, salt: string = DEFAULT_FINGERPRINT_SALT): string {
  return 'lw1:' + createHmac('sha256', salt).update(ruleId + '\0' + secret, 'utf8').digest('hex');
}
