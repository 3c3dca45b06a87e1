/**
 * What the queue workers share through Redis so that no machine scans a commit another one already scanned with
 * the same rules: the scanned-commit set (sha → rule-set ids), the rule sets by id, and the commits that hold a
 * finding with their paths (to tell, per repository, where findings are reachable and what is still present).
 *
 * Memory: commits are kept in hashes bucketed by the sha's first five hex digits (about a million buckets), the
 * rest of the sha as the field and the rule-set ids as the value. Past a few commits per bucket every hash stays
 * in Redis' compact listpack encoding (≤ 128 fields), so a scanned commit costs about 60 bytes;
 * `bench/queue.bench.ts` measures it. Nothing here is secret: shas, rule-set ids and paths.
 *
 * A commit counts as scanned once its result is on the queue. Two repositories that share history and are
 * planned at the same moment (a fork enqueued with its original) may both scan the shared commits: the results
 * are identical and recorded once, so only the work is repeated; a fork swept after its original scans only its
 * own commits.
 */
import type { Redis } from 'ioredis';
import type { OccurrenceRecord, RuleSetRecord, ScannedCommits } from '../store/types.js';
import { PREFIX } from './queue.js';

const BUCKET = 5;
const key = (sha: string): string => `${PREFIX}:scanned:${sha.slice(0, BUCKET)}`;
const FINDING_COMMITS = `${PREFIX}:finding-commits`;
const findingPathsKey = (sha: string): string => `${PREFIX}:finding-paths:${sha}`;

// Adds a rule-set id to each sha's list unless it is there: one round trip, atomic, for a whole batch.
const MARK_SCRIPT = `
local id = ARGV[1]
for i = 2, #ARGV do
  local k = KEYS[i - 1]
  local f = ARGV[i]
  local v = redis.call('HGET', k, f)
  if not v then
    redis.call('HSET', k, f, id)
  else
    local found = false
    for part in string.gmatch(v, '[^,]+') do if part == id then found = true end end
    if not found then redis.call('HSET', k, f, v .. ',' .. id) end
  end
end
return #ARGV - 1`;

export class RedisLedger implements ScannedCommits {
  constructor(private readonly redis: Redis) {}

  async lookup(shas: readonly string[]): Promise<Map<string, readonly string[]>> {
    const out = new Map<string, readonly string[]>();
    for (let i = 0; i < shas.length; i += 1000) {
      const batch = shas.slice(i, i + 1000);
      const p = this.redis.pipeline();
      for (const sha of batch) p.hget(key(sha), sha.slice(BUCKET));
      const res = (await p.exec()) ?? [];
      res.forEach(([err, v], j) => {
        if (err) throw err;
        if (typeof v === 'string' && v !== '') out.set(batch[j]!, v.split(','));
      });
    }
    return out;
  }

  async ruleSet(id: string): Promise<RuleSetRecord | undefined> {
    const v = await this.redis.get(`${PREFIX}:ruleset:${id}`);
    return v ? (JSON.parse(v) as RuleSetRecord) : undefined;
  }

  async putRuleSet(rs: RuleSetRecord): Promise<void> {
    await this.redis.set(`${PREFIX}:ruleset:${rs.id}`, JSON.stringify(rs), 'NX');
  }

  /** Records that these commits were scanned with the rule set (after their result is safely on the queue). */
  async markScanned(shas: readonly string[], ruleSetId: string): Promise<void> {
    for (let i = 0; i < shas.length; i += 500) {
      const batch = shas.slice(i, i + 500);
      await this.redis.eval(MARK_SCRIPT, batch.length, ...batch.map(key), ruleSetId, ...batch.map((s) => s.slice(BUCKET)));
    }
  }

  async addFindings(occurrences: readonly OccurrenceRecord[]): Promise<void> {
    if (occurrences.length === 0) return;
    const p = this.redis.pipeline();
    const bySha = new Map<string, Set<string>>();
    for (const o of occurrences) {
      if (!o.sha) continue;
      let s = bySha.get(o.sha);
      if (!s) bySha.set(o.sha, s = new Set());
      s.add(o.path);
    }
    for (const [sha, paths] of bySha) {
      p.sadd(FINDING_COMMITS, sha);
      p.sadd(findingPathsKey(sha), ...paths);
    }
    await p.exec();
  }

  async findingCommits(): Promise<Set<string>> {
    const out = new Set<string>();
    let cursor = '0';
    do {
      const [next, members] = await this.redis.sscan(FINDING_COMMITS, cursor, 'COUNT', 1000);
      for (const m of members) out.add(m);
      cursor = next;
    } while (cursor !== '0');
    return out;
  }

  async findingPaths(shas: Iterable<string>): Promise<string[]> {
    const keys = [...shas].map(findingPathsKey);
    if (keys.length === 0) return [];
    const out = new Set<string>();
    for (let i = 0; i < keys.length; i += 500) for (const p of await this.redis.sunion(...keys.slice(i, i + 500))) out.add(p);
    return [...out].sort();
  }
}
