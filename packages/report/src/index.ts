// Public API of @loadhouse/report: a result, or a comparison of two, rendered as one self-contained HTML page.
export { renderReport } from './render.js';
export type { ReportOptions } from './render.js';
export { verdictOf } from './header.js';
export type { Verdict } from './header.js';
export { writeReport, readResult, defaultReportPath } from './write-report.js';
export { renderComparison } from './compare-page.js';
