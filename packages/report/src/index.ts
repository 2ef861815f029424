// Public API of @loadhouse/report: a result rendered as one self-contained HTML page.
export { renderReport, verdictOf } from './render.js';
export type { ReportOptions, Verdict } from './render.js';
export { writeReport, readResult, defaultReportPath } from './write-report.js';
