/**
 * Rule-set ids. Each rule gets a hash of everything that decides its findings (its spec minus examples and
 * origin, the global allowlists, the decode depth); the rule set's id hashes the sorted (rule id, hash) pairs.
 * A commit scanned with rule set A and now planned with B needs only B's rules whose hash A lacks.
 */
import { createHash } from 'node:crypto';
import type { Config, RuleSpec } from '../core/types.js';
import type { RuleSetRecord } from '../store/types.js';

export interface RuleSetOptions {
  readonly maxDecodeDepth?: number;
}

const h = (s: string): string => createHash('sha256').update(s).digest('hex');

function ruleHash(rule: RuleSpec, shared: string): string {
  const { examples: _e, origin: _o, ...spec } = rule;
  return h(JSON.stringify(spec) + '\0' + shared).slice(0, 16);
}

export function ruleSetOf(config: Config, options: RuleSetOptions = {}): RuleSetRecord {
  const shared = JSON.stringify({ allowlists: config.allowlists, depth: options.maxDecodeDepth ?? null });
  const rules: Record<string, string> = {};
  for (const r of config.rules) rules[r.id] = ruleHash(r, shared);
  const id = h(Object.keys(rules).sort().map((k) => `${k}=${rules[k]}`).join('\n')).slice(0, 16);
  return { id, rules };
}

/**
 * The rules of `current` that still have to run over a commit already scanned with `previous` rule sets:
 * those whose hash none of them had. Empty → nothing to do.
 */
export function missingRules(current: RuleSetRecord, previous: readonly RuleSetRecord[]): string[] {
  const out: string[] = [];
  for (const [id, hash] of Object.entries(current.rules)) {
    if (!previous.some((p) => p.rules[id] === hash)) out.push(id);
  }
  return out.sort();
}
