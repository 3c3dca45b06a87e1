/**
 * The one HTTP client every verifier goes through. It owns the safety rules, so no verifier can forget one:
 *
 * Invariants
 * 1. A request goes only to its provider's own base URL (`https://api.github.com`, …): the verifier passes a path,
 *    and a path that would change the host (`//evil.example/…`, an absolute URL) is refused before anything is sent.
 *    Redirects are never followed (a 3xx is an answer, not a hop to another host).
 * 2. The base URL can be replaced only by `LEAKWARD_VERIFY_ENDPOINT_<PROVIDER>` and only with a loopback address
 *    (http://127.0.0.1:PORT, http://[::1]:PORT, http://localhost:PORT): it exists for tests, and cannot send a
 *    secret to another machine.
 * 3. Per provider: at most `concurrency` requests in flight and at least `minIntervalMs` between two starts; a 429
 *    pushes the provider's next start back by its Retry-After (capped) or an exponential backoff, then retries, at
 *    most `maxRetries` times.
 * 4. Each request has its own timeout; the whole verification run has a global deadline (`signal`).
 * 5. Nothing thrown or returned holds a URL, header or body sent: failures are a fixed reason plus an error code.
 */
import pLimit from 'p-limit';

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  /** Absolute URL: only the transport sees it. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, at most `MAX_BODY` bytes of it, as UTF-8. */
  readonly text: string;
}

/** Sends one request; the seam tests replace to see every request that would leave. */
export type Transport = (req: HttpRequest, signal: AbortSignal) => Promise<HttpResponse>;

/** What the client knows of a provider: its name and its one documented base URL. */
export interface Endpoint {
  /** Lower-case provider name; `LEAKWARD_VERIFY_ENDPOINT_<NAME upper-cased, - as _>` overrides the base URL. */
  readonly provider: string;
  /** `https://host` (no path): the provider's documented API host. */
  readonly baseUrl: string;
}

export interface ProviderCall {
  readonly method: 'GET' | 'POST';
  /** Path and query, starting with `/`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** A request's outcome: a response, or why there is none (a fixed phrase, never holding request data). */
export type CallOutcome =
  | { readonly ok: true; readonly response: HttpResponse }
  | { readonly ok: false; readonly reason: string };

export interface HttpClientOptions {
  readonly transport?: Transport;
  /** Where `LEAKWARD_VERIFY_ENDPOINT_*` is read from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Per request, milliseconds (default 10 000). */
  readonly requestTimeoutMs?: number;
  /** The run's global deadline: aborts everything in flight and refuses new requests. */
  readonly signal?: AbortSignal;
  /** Requests in flight per provider (default 4). */
  readonly concurrency?: number;
  /** Minimum milliseconds between two request starts per provider (default 50). */
  readonly minIntervalMs?: number;
  /** Retries after a 429 (default 2). */
  readonly maxRetries?: number;
  /** Longest wait after a 429, milliseconds (default 30 000). */
  readonly maxBackoffMs?: number;
}

export interface HttpClient {
  call(endpoint: Endpoint, call: ProviderCall): Promise<CallOutcome>;
  /** The base URL requests for this provider go to (its documented one, or the loopback test override). */
  baseUrl(endpoint: Endpoint): string;
}

export const MAX_BODY = 64 * 1024;
export const USER_AGENT = 'leakward-verify';

/** `LEAKWARD_VERIFY_ENDPOINT_SLACK_WEBHOOK` for `slack-webhook`. */
export function endpointVariable(provider: string): string {
  return `LEAKWARD_VERIFY_ENDPOINT_${provider.toUpperCase().split('-').join('_')}`;
}

/** The test-only override for a provider, if set and loopback; throws on a non-loopback value. */
export function endpointOverride(provider: string, env: NodeJS.ProcessEnv): string | undefined {
  const name = endpointVariable(provider);
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} is not a URL`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'http:' || !loopback) throw new Error(`${name} must be an http://127.0.0.1:PORT address (it is for tests only)`);
  return url.origin;
}

/** fetch, without following redirects, with the body read up to MAX_BODY. */
export const fetchTransport: Transport = async (req, signal) => {
  const res = await fetch(req.url, {
    method: req.method,
    headers: req.headers,
    ...(req.body !== undefined ? { body: req.body } : {}),
    redirect: 'manual',
    signal,
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => { headers[k.toLowerCase()] = v; });
  let text = '';
  if (res.body) {
    const decoder = new TextDecoder();
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      text += decoder.decode(chunk.byteLength > MAX_BODY ? chunk.subarray(0, MAX_BODY) : chunk, { stream: true });
      if (size >= MAX_BODY) break;
    }
    text += decoder.decode();
  }
  return { status: res.status, headers, text };
};

interface ProviderLane {
  readonly limit: ReturnType<typeof pLimit>;
  /** Earliest time (ms) the next request may start. */
  nextStart: number;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** An error's code (ECONNREFUSED, …) or name: safe to print, unlike its message (which may quote the URL). */
function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown; name?: unknown } };
  const code = e?.cause?.code ?? e?.code ?? e?.cause?.name ?? e?.name;
  return typeof code === 'string' && /^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(code) ? code : 'error';
}

/** Seconds or an HTTP date, as Retry-After allows; milliseconds, or undefined. */
function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = Number(value.trim());
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const transport = options.transport ?? fetchTransport;
  const env = options.env ?? process.env;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const concurrency = options.concurrency ?? 4;
  const minInterval = options.minIntervalMs ?? 50;
  const maxRetries = options.maxRetries ?? 2;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  const lanes = new Map<string, ProviderLane>();
  const bases = new Map<string, string>();

  const baseUrl = (ep: Endpoint): string => {
    let base = bases.get(ep.provider);
    if (base === undefined) {
      base = endpointOverride(ep.provider, env) ?? ep.baseUrl;
      bases.set(ep.provider, base);
    }
    return base;
  };

  const lane = (provider: string): ProviderLane => {
    let l = lanes.get(provider);
    if (!l) {
      l = { limit: pLimit(concurrency), nextStart: 0 };
      lanes.set(provider, l);
    }
    return l;
  };

  async function once(url: string, call: ProviderCall): Promise<CallOutcome> {
    if (options.signal?.aborted) return { ok: false, reason: 'timed out (global verification deadline)' };
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      const response = await transport(
        {
          method: call.method,
          url,
          headers: { 'user-agent': USER_AGENT, ...(call.headers ?? {}) },
          ...(call.body !== undefined ? { body: call.body } : {}),
        },
        signal,
      );
      return { ok: true, response };
    } catch (err) {
      if (options.signal?.aborted) return { ok: false, reason: 'timed out (global verification deadline)' };
      if (timeout.aborted) return { ok: false, reason: 'timed out' };
      return { ok: false, reason: `network error (${errorCode(err)})` };
    }
  }

  return {
    baseUrl,
    async call(ep: Endpoint, call: ProviderCall): Promise<CallOutcome> {
      const base = baseUrl(ep);
      if (!call.path.startsWith('/') || call.path.startsWith('//')) return { ok: false, reason: 'refused: not a path on the provider host' };
      const url = new URL(call.path, base);
      // Invariant 1: the host is the provider's whatever the path held.
      if (url.origin !== new URL(base).origin) return { ok: false, reason: 'refused: not a path on the provider host' };
      const l = lane(ep.provider);
      return l.limit(async () => {
        for (let attempt = 0; ; attempt++) {
          const wait = l.nextStart - Date.now();
          l.nextStart = Math.max(Date.now(), l.nextStart) + minInterval;
          await sleep(wait, options.signal);
          const out = await once(url.href, call);
          if (!out.ok || out.response.status !== 429) return out;
          if (attempt >= maxRetries) return { ok: false, reason: 'rate limited' };
          const backoff = Math.min(maxBackoff, retryAfterMs(out.response.headers['retry-after']) ?? 500 * 2 ** attempt);
          l.nextStart = Math.max(l.nextStart, Date.now() + backoff);
        }
      });
    },
  };
}
