/**
 * Postgres and MySQL/MariaDB URIs: connect, authenticate, disconnect. The only verifiers that talk to a host
 * named in scanned content, hence their own flag (`--verify-databases`). The drivers (`pg`, `mysql2`) are optional
 * dependencies loaded on first use, so nobody who never verifies databases installs or loads them.
 *
 * - The URI's host, port, user, password and database are passed to the driver field by field; its query string is
 *   ignored (a hostile `sslcert=/path` or `socketPath` must not make us read local files), except `sslmode`.
 * - Success → `verified`, identity `user@host:port/db`. Authentication refused (Postgres SQLSTATE 28P01 / 28000,
 *   MySQL 1045) → `invalid`. Anything else (host unreachable, timeout, TLS, driver missing) → `unknown`.
 * - No query is run; the connection is closed as soon as it is established.
 */
import { createRequire } from 'node:module';
import type { CheckResult, Verifier } from '../types.js';
import { identityOf, invalid, unknown } from './common.js';

const require = createRequire(import.meta.url);

export interface DatabaseTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly ssl: 'off' | 'require' | 'verify';
}

/** Parses a `postgres://` / `mysql://` URI with WHATWG URL (no RegExp); undefined when it is not one. */
export function parseDatabaseUri(uri: string, kind: 'postgres' | 'mysql'): DatabaseTarget | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  const scheme = url.protocol.slice(0, -1).split('+')[0]!;
  const schemes = kind === 'postgres' ? ['postgres', 'postgresql', 'pgsql'] : ['mysql', 'mariadb'];
  if (!schemes.includes(scheme) || url.hostname === '') return undefined;
  const decode = (s: string): string => { try { return decodeURIComponent(s); } catch { return s; } };
  const sslmode = url.searchParams.get('sslmode') ?? url.searchParams.get('ssl-mode') ?? '';
  const ssl = sslmode === 'verify-full' || sslmode === 'verify-ca' || sslmode === 'VERIFY_IDENTITY' ? 'verify' : sslmode === 'require' || sslmode === 'REQUIRED' ? 'require' : 'off';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    host,
    port: url.port ? Number(url.port) : kind === 'postgres' ? 5432 : 3306,
    user: decode(url.username),
    password: decode(url.password),
    database: decode(url.pathname.slice(1)),
    ssl,
  };
}

/** The error's code, never its message (drivers quote user names and hosts; we quote codes only). */
const codeOf = (err: unknown): string => {
  const c = (err as { code?: unknown })?.code;
  return typeof c === 'string' || typeof c === 'number' ? String(c).slice(0, 40) : 'error';
};

function optionalDriver<T>(name: string): T | undefined {
  try {
    return require(name) as T;
  } catch {
    return undefined;
  }
}

function describe(t: DatabaseTarget): string {
  return identityOf(`${t.user}@${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}${t.database ? `/${t.database}` : ''}`)!;
}

interface PgClient { connect(): Promise<unknown>; end(): Promise<void>; on(e: string, f: (err: unknown) => void): unknown }
type PgModule = { Client: new (cfg: object) => PgClient };

export async function checkPostgres(t: DatabaseTarget, timeoutMs: number): Promise<CheckResult> {
  const pg = optionalDriver<PgModule>('pg');
  if (!pg) return unknown("unsupported: the optional dependency 'pg' is not installed");
  const client = new pg.Client({
    host: t.host, port: t.port, user: t.user, password: t.password, database: t.database || t.user,
    ssl: t.ssl === 'off' ? false : { rejectUnauthorized: t.ssl === 'verify' },
    connectionTimeoutMillis: timeoutMs, application_name: 'leakward-verify',
  });
  client.on('error', () => { /* a late socket error after end() must not crash the run */ });
  try {
    await client.connect();
    return { status: 'verified', identity: describe(t) };
  } catch (err) {
    const code = codeOf(err);
    if (code === '28P01' || code === '28000') return invalid(`authentication refused (SQLSTATE ${code})`);
    // 3D000: no such database. Postgres checks the password first (it authenticates before looking the database up).
    if (code === '3D000') return { status: 'verified', identity: describe(t), reason: 'authenticated; the database does not exist' };
    return unknown(`could not connect (${code})`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface MysqlConnection { end(): Promise<void>; on(e: string, f: (err: unknown) => void): unknown }
type MysqlModule = { createConnection(cfg: object): Promise<MysqlConnection> };

export async function checkMysql(t: DatabaseTarget, timeoutMs: number): Promise<CheckResult> {
  const mysql = optionalDriver<MysqlModule>('mysql2/promise');
  if (!mysql) return unknown("unsupported: the optional dependency 'mysql2' is not installed");
  let conn: MysqlConnection | undefined;
  try {
    conn = await mysql.createConnection({
      host: t.host, port: t.port, user: t.user, password: t.password, ...(t.database ? { database: t.database } : {}),
      connectTimeout: timeoutMs, ...(t.ssl === 'off' ? {} : { ssl: { rejectUnauthorized: t.ssl === 'verify' } }),
    });
    conn.on('error', () => { /* see checkPostgres */ });
    return { status: 'verified', identity: describe(t) };
  } catch (err) {
    const code = codeOf(err);
    if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR') return invalid(`authentication refused (${code})`);
    // The server reports these only after the password was accepted.
    if (code === 'ER_BAD_DB_ERROR') return { status: 'verified', identity: describe(t), reason: 'authenticated; the database does not exist' };
    if (code === 'ER_DBACCESS_DENIED_ERROR') return { status: 'verified', identity: describe(t), reason: 'authenticated; no access to the database' };
    return unknown(`could not connect (${code})`);
  } finally {
    await conn?.end().catch(() => undefined);
  }
}

/** The URI travels as the credential's `secret` (the whole URI, read from the finding's line). */
export const postgres: Verifier = {
  provider: 'postgres',
  async check({ secret }, ctx) {
    const t = parseDatabaseUri(secret, 'postgres');
    return t ? checkPostgres(t, ctx.requestTimeoutMs) : unknown('not a postgres:// URI with a host');
  },
};

export const mysql: Verifier = {
  provider: 'mysql',
  async check({ secret }, ctx) {
    const t = parseDatabaseUri(secret, 'mysql');
    return t ? checkMysql(t, ctx.requestTimeoutMs) : unknown('not a mysql:// URI with a host');
  },
};
