// Public API of src/report: re-exports only. Names kept specific: src/index.ts re-exports every barrel with `export *`.
export type { ReportFormat, ReportOptions, ReportRenderer } from './types.js';
export { REPORT_FORMATS } from './types.js';
export { formatReport, writeReport, createReporter, createRenderer, type Reporter } from './report.js';
export { shouldUseColor, printable } from './color.js';
export { redactSecret, redactMatch, scrubCommitMetadata, scrubOthers, secretsBySource, type RedactOptions } from './redact.js';
export { toJsonEntry, type JsonReportEntry } from './json.js';
export { SARIF_SCHEMA_URI } from './sarif.js';
export { sweepReportData, riskOrder, commitLink, repoFileName, type SweepReportData, type SweepCoverage } from './sweep-data.js';
export { renderSweepHtml, monthChart, FINDING_COLUMNS, type FindingColumn } from './sweep-html.js';
export { renderSweepMarkdown, renderSweepSarif, renderSweepJsonl } from './sweep-text.js';
