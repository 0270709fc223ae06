// A job's secret, which its task puts on every report so that a report can speak only for its own job (see
// 0011-job-token): made here, checked by whoever applies a report against the job row of its (video, attempt).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What JobRepository.verifyReport found: only a `forged` report must be dropped. */
export type ReportVerdict = 'genuine' | 'forged' | 'video-missing';

/** 256 random bits as 64 hex characters. */
export const newJobToken = (): string => randomBytes(32).toString('hex');

/**
 * Whether a report's token is its job's, in time independent of where they differ. Both sides are hashed first so
 * that the comparison runs on equal lengths and a wrong length teaches nothing either. A missing token never matches.
 */
export function jobTokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined || expected.length === 0) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}
