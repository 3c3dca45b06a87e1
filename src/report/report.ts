/**
 * Report entry points: pick a renderer for the format, then either build the whole report as a string or stream it
 * to a Writable as findings arrive (every format streams: renderers keep counters and rule indexes, never findings).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Finding } from '../core/types.js';
import { jsonRenderer } from './json.js';
import { secretsBySource } from './redact.js';
import { sarifRenderer } from './sarif.js';
import { textRenderer } from './text.js';
import type { ReportFormat, ReportOptions, ReportRenderer } from './types.js';

/** The style guide's reporter seam: findings in, report out. Resolves to the number of findings written. */
export type Reporter = (findings: AsyncIterable<Finding> | Iterable<Finding>, out: Writable) => Promise<number>;

/** A fresh renderer for one report. */
export function createRenderer(options: ReportOptions): ReportRenderer {
  const format: ReportFormat = options.format;
  switch (format) {
    case 'text':
      return textRenderer(options);
    case 'json':
      return jsonRenderer(options);
    case 'sarif':
      return sarifRenderer(options);
    default:
      throw new Error(`unknown report format ${JSON.stringify(format satisfies never)} (expected text, json or sarif)`);
  }
}

/** The whole report as a string. */
export function formatReport(findings: readonly Finding[], options: ReportOptions): string {
  const r = createRenderer(options.otherSecrets || options.showSecrets ? options : { ...options, otherSecrets: secretsBySource(findings) });
  let out = r.begin();
  for (const f of findings) out += r.finding(f);
  return out + r.end();
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (chunk === '') return;
  if (!out.write(chunk)) await once(out, 'drain');
}

/**
 * Streams the report to `out` as findings arrive (every format: nothing is collected), honouring backpressure.
 * Does not end `out`. Resolves to the number of findings written.
 */
export async function writeReport(findings: AsyncIterable<Finding> | Iterable<Finding>, out: Writable, options: ReportOptions): Promise<number> {
  const r = createRenderer(options);
  let n = 0;
  await write(out, r.begin());
  for await (const f of findings) {
    await write(out, r.finding(f));
    n++;
  }
  await write(out, r.end());
  return n;
}

/** `writeReport` with its options bound. */
export function createReporter(options: ReportOptions): Reporter {
  return (findings, out) => writeReport(findings, out, options);
}
