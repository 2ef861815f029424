// What record-level verification says at the end of a run: each finding is a warning and a result error, so
// a run whose target corrupted, misplaced or lost acknowledged records never reads as clean.
import type { ErrorCode } from '../errors.js';
import type { IntegrityReport } from '../types.js';

export interface VerifyFinding {
  code: ErrorCode;
  message: string;
}

/**
 * The findings of the checksum and consumed-offset checks; `dataLossJudged`: LH_DATA_LOSS was already raised for
 * gaps; `transactional`: the run used transactions, so the reads were checked against the confirmed commits (there
 * are no offsets to place).
 */
export function verifyFindings(i: IntegrityReport, dataLossJudged: boolean, transactional: boolean): VerifyFinding[] {
  if (!i.checked) return [];
  const out: VerifyFinding[] = [];
  const see = (kind: string) => `See result.integrity.examples (kind "${kind}").`;
  if (i.corrupted) {
    out.push({
      code: 'LH_DATA_CORRUPTED',
      message:
        `Data corruption: ${i.corrupted} record(s) read back did not match the checksum their producer wrote; ` +
        `the target returned bytes other than the ones it acknowledged. ${see('corrupted')}`,
    });
  }
  if (i.offsetMismatches) {
    out.push({
      code: 'LH_ACK_MISMATCH',
      message: `Offset mismatch: ${i.offsetMismatches} record(s) were read at an offset other than the one their acknowledgement gave. ${see('offsetMismatch')}`,
    });
  }
  if (i.unackedSeen) {
    out.push({
      code: 'LH_ACK_MISMATCH',
      message: transactional
        ? `${i.unackedSeen} record(s) were read that no confirmed commit covers and no transaction of unknown outcome ` +
          `explains: records of aborted transactions (or never written) were visible to readers. ${see('unackedSeen')}`
        : `${i.unackedSeen} record(s) were read that no acknowledgement covers and no failed batch explains. ${see('unackedSeen')}`,
    });
  }
  if (i.lostAcked && !dataLossJudged) {
    out.push({
      code: 'LH_DATA_LOSS',
      message: `Data loss: ${i.lostAcked} acknowledged record(s) were never read, though consumers read every partition to its end. ${see('lostAcked')}`,
    });
  }
  if (i.lostCommitted && !dataLossJudged) {
    out.push({
      code: 'LH_DATA_LOSS',
      message:
        `Data loss: ${i.lostCommitted} record(s) of committed transactions were never read by a consumer group that read ` +
        `their stream to its end; the target confirmed commits it did not keep. ${see('lostCommitted')}`,
    });
  }
  return out;
}
