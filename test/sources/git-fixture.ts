/** Temporary git repositories for the git-area tests (never touches the leakward repository itself). */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TempRepo {
  readonly dir: string;
  git(...args: string[]): string;
  write(file: string, text: string): void;
  commit(message: string, ...files: string[]): string;
  cleanup(): void;
}

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Author', GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author', GIT_COMMITTER_EMAIL: 'author@example.com',
  GIT_CONFIG_NOSYSTEM: '1', HOME: os.tmpdir(), GIT_CONFIG_GLOBAL: '/dev/null',
};

export function tempRepo(prefix = 'lw-git-', opts: { bare?: boolean } = {}): TempRepo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, env: ENV, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  git('init', '-q', '-b', 'main', ...(opts.bare ? ['--bare'] : []));
  git('config', 'user.name', 'Test Author');
  git('config', 'user.email', 'author@example.com');
  git('config', 'commit.gpgsign', 'false');
  return {
    dir,
    git,
    write(file, text) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    },
    commit(message, ...files) {
      git('add', '--', ...(files.length ? files : ['.']));
      git('commit', '-q', '--no-verify', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    cleanup() { fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

export const gitEnv = ENV;

/** A synthetic AWS-style access key id: AKIA + 16 chars of [A-Z2-7], derived from a seed (not the doc example). */
export function fakeAwsKey(seed: number): string {
  const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let x = (seed * 2654435761) >>> 0;
  let s = 'AKIA';
  for (let i = 0; i < 16; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; s += B32[(x >>> 11) % 32]; }
  return s;
}

/** Redacts for assertion messages: never print a secret. */
export const redact = (s: string): string => `${s.slice(0, 4)}…`;
