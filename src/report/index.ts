// Public API of src/report: re-exports only. Names kept specific: src/index.ts re-exports every barrel with `export *`.
export type { ReportFormat, ReportOptions, ReportRenderer } from './types.js';
export { REPORT_FORMATS } from './types.js';
export { formatReport, writeReport, createReporter, createRenderer, type Reporter } from './report.js';
export { shouldUseColor, printable } from './color.js';
export { redactSecret, redactMatch, type RedactOptions } from './redact.js';
export { toJsonEntry, type JsonReportEntry } from './json.js';
export { SARIF_SCHEMA_URI } from './sarif.js';
