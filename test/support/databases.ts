/**
 * Throwaway database servers for tests: Debian's PostgreSQL and MariaDB, each a fresh cluster in a temporary
 * directory, listening on 127.0.0.1 on a free port, with one user whose password the test chooses. Returns a reason
 * to skip when the server binaries are absent (outside CI; `.ci/run` installs them).
 * As root, the servers run as the `postgres` / `mysql` system users (neither server runs as root).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestDatabase {
  readonly port: number;
  stop(): Promise<void>;
}

export type Started = { readonly db: TestDatabase } | { readonly skip: string };

function run(cmd: string, args: string[], opts: { uid?: number; gid?: number; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid! } : {}), timeout: 120_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${cmd} failed: ${String(stderr).split('\n').slice(0, 5).join(' ')}`)) : resolve(stdout)));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error('the server exited during start-up');
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`the server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** uid/gid of a system user when we are root (servers refuse to run as root), else undefined. */
async function runAs(user: string): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number((await run('id', ['-u', user])).trim());
  const gid = Number((await run('id', ['-g', user])).trim());
  return { uid, gid };
}

function tempDir(prefix: string, owner?: { uid: number; gid: number }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o700);
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

function pgBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

/** A PostgreSQL cluster with superuser `user` / `password` (scram-sha-256 over TCP). */
export async function startPostgres(user: string, password: string): Promise<Started> {
  const bin = pgBin();
  if (!bin) return { skip: "PostgreSQL is not installed (Debian package 'postgresql'; .ci/run installs it)" };
  const owner = await runAs('postgres');
  const dir = tempDir('leakward-pg-', owner);
  const data = path.join(dir, 'data');
  const pwfile = path.join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  await run(path.join(bin, 'initdb'), ['-D', data, '-U', user, `--pwfile=${pwfile}`, '-A', 'scram-sha-256', '--no-sync'], owner ?? {});
  const port = await freePort();
  const child = spawn(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', dir, '-c', 'fsync=off'],
    { stdio: 'ignore', ...(owner ?? {}) });
  const stop = stopper(child, dir);
  try {
    await waitForPort(port, child);
    // Listening is not accepting: wait until a connection is past start-up.
    await new Promise((r) => setTimeout(r, 300));
  } catch (err) {
    await stop();
    throw err;
  }
  return { db: { port, stop } };
}

/** A MariaDB server with user `user`@`%` / `password` and a database `app`. */
export async function startMariadb(user: string, password: string): Promise<Started> {
  const mariadbd = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find((p) => existsSync(p));
  if (!mariadbd || !existsSync('/usr/bin/mariadb-install-db')) return { skip: "MariaDB is not installed (Debian package 'mariadb-server'; .ci/run installs it)" };
  const owner = await runAs('mysql');
  const dir = tempDir('leakward-maria-', owner);
  const data = path.join(dir, 'data');
  const sock = path.join(dir, 'sock');
  await run('/usr/bin/mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db',
    ...(owner ? ['--user=mysql'] : [])]);
  const port = await freePort();
  const child = spawn(mariadbd, ['--no-defaults', `--datadir=${data}`, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${sock}`,
    '--skip-name-resolve', `--pid-file=${path.join(dir, 'pid')}`, '--innodb-flush-log-at-trx-commit=0', ...(owner ? ['--user=mysql'] : [])], { stdio: 'ignore' });
  const stop = stopper(child, dir);
  try {
    await waitForPort(port, child);
    const sql = `CREATE DATABASE app; CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'; GRANT ALL ON app.* TO '${user}'@'%'; FLUSH PRIVILEGES;`;
    await run('/usr/bin/mariadb', ['--no-defaults', '-S', sock, '-u', 'root', '-e', sql]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { db: { port, stop } };
}
