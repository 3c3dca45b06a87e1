// Public API of src/sweep: re-exports only.
export { sweep, defaultJobs, type SweepOptions, type SweepSummary, type SweepLedger } from './sweep.js';
export { planRepo, selectRefs, defaultBranch, type ScanTask, type PlanOptions, type RefSelection } from './plan.js';
export { scanTask, toOccurrence, type ScanTaskOptions } from './scan-task.js';
export { ruleSetOf, missingRules, type RuleSetOptions } from './ruleset.js';
export { ensureMirror, localRepo, FetchError } from './mirror.js';
export {
  parseRepo, parseReposFile, parseShard, shardOf, mirrorDir, stripCredentials, redactCredentials, type RepoLocation,
} from './repo-url.js';
export { verifyRepoFindings, type SweepVerifyOptions, type VerifyLedger, type VerifyCounts } from './verify-stored.js';
