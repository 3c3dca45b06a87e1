/**
 * A real `redis-server` for tests (Debian's package; `.ci/run` installs it): on 127.0.0.1 at a free port, with
 * append-only persistence in a temporary folder so a restart keeps the queue, stopped by the test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

/** Why Redis tests cannot run here, or undefined when they can. */
export function redisUnavailable(): string | undefined {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'redis-server is not installed (apt-get install redis-server; .ci/run installs it in CI)';
  try {
    // bullmq and ioredis are optional dependencies
    const require = createRequire(import.meta.url);
    require.resolve('bullmq');
    require.resolve('ioredis');
  } catch {
    return 'bullmq/ioredis (optional dependencies) are not installed';
  }
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Its data folder (append-only files: everything ever written to it). */
  readonly dir: string;
  /** Stops the server (SIGTERM: it writes its append-only file first). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data folder. */
  start(): Promise<void>;
}

export async function startRedis(opts: { password?: string } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-redis-'));
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always',
      '--save', '', '--protected-mode', 'yes', ...(opts.password ? ['--requirepass', opts.password] : [])];
    child = spawn('redis-server', args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (await canConnect(port)) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.kill('SIGTERM'); });
  };
  await start();
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
  return { port, url: `redis://${auth}127.0.0.1:${port}/0`, dir, stop, start };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}
