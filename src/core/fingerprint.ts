/**
 * Finding fingerprints: `lw2:` + hex scrypt(password = ruleId + '\0' + secret, salt = key, N = 2^9, r = 8, p = 1).
 *
 * Position-independent (a secret moved to another line keeps its fingerprint), stable (a committed baseline,
 * GitHub's alert matching through SARIF `partialFingerprints`, sweeps merged from shards all compare them) and
 * slow to guess: a weak secret (`Summer2024x`) behind a fast HMAC with a public or committed key falls to a
 * dictionary in seconds; scrypt makes each guess cost memory and about half a millisecond, and a key kept out of
 * the repository (`LEAKWARD_FINGERPRINT_KEY`) makes guessing impossible. The cost is chosen so 100 fingerprints
 * take well under 100 ms on a CI core (`node dist/bench/fingerprint.bench.js` prints the figure).
 *
 * The key, in order: `LEAKWARD_FINGERPRINT_KEY` (the CLI reads it; library callers pass it as the salt), else the
 * baseline's salt, else the public default (which only makes fingerprints stable across machines).
 *
 * `lw1:` (HMAC-SHA256 with the same inputs) is the previous format: still computed to read old baselines, old
 * `.gitleaksignore` lines and old JSON reports, never written.
 */
import { createHmac, scryptSync } from 'node:crypto';

export const DEFAULT_FINGERPRINT_SALT = 'leakward-fingerprint-v1';
/** Environment variable holding a private fingerprint key (kept out of the repository, e.g. a CI secret). */
export const FINGERPRINT_KEY_ENV = 'LEAKWARD_FINGERPRINT_KEY';

/** scrypt cost: N = 2^9 (512 KiB of memory per fingerprint with r = 8). */
export const FINGERPRINT_SCRYPT = Object.freeze({ N: 1 << 9, r: 8, p: 1, maxmem: 4 << 20 });

/** `lw2:` + 64 hex digits. */
export const LW2_PATTERN = /^lw2:[0-9a-f]{64}$/; // trusted: applied to baseline/ignore-file values, not scanned content
/** `lw1:` + 64 hex digits (the previous format, still read). */
export const LW1_PATTERN = /^lw1:[0-9a-f]{64}$/;

// The same secret is fingerprinted again and again (one per commit that touches it, one per copy): remember the
// last few thousand, keyed by a fast hash so the cache holds no secret.
const CACHE_LIMIT = 16384; // about 3 MB
const cache = new Map<string, string>();

export function fingerprint(ruleId: string, secret: string, salt: string = DEFAULT_FINGERPRINT_SALT): string {
  const id = createHmac('sha256', salt).update(ruleId + '\0' + secret, 'utf8').digest('base64');
  const hit = cache.get(id);
  if (hit !== undefined) return hit;
  const value = 'lw2:' + scryptSync(ruleId + '\0' + secret, salt, 32, FINGERPRINT_SCRYPT).toString('hex');
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(id, value);
  return value;
}

/** The previous `lw1:` fingerprint (HMAC-SHA256), to match entries of old baselines and reports. */
export function fingerprintV1(ruleId: string, secret: string, salt: string = DEFAULT_FINGERPRINT_SALT): string {
  return 'lw1:' + createHmac('sha256', salt).update(ruleId + '\0' + secret, 'utf8').digest('hex');
}

/**
 * Gives `f` a `fingerprint` computed on first read and then kept (an enumerable property, so spreads, JSON and
 * structured clones see the value). A scan with thousands of findings and a text report pays no scrypt at all.
 */
export function lazyFingerprint(f: { fingerprint: string } | { readonly fingerprint: string }, ruleId: string, secret: string, salt: string): void {
  const settle = (value: string): void => {
    Object.defineProperty(f, 'fingerprint', { value, enumerable: true, writable: true, configurable: true });
  };
  Object.defineProperty(f, 'fingerprint', {
    enumerable: true,
    configurable: true,
    get(): string {
      const value = fingerprint(ruleId, secret, salt);
      settle(value);
      return value;
    },
    set: settle,
  });
}

/** True while `f.fingerprint` has not been read yet (see `lazyFingerprint`). */
export function fingerprintPending(f: object): boolean {
  return Object.getOwnPropertyDescriptor(f, 'fingerprint')?.get !== undefined;
}
