// How a direct upload is cut into S3 multipart parts. S3's rules: at most 10,000 parts, each at least 5 MiB except
// the last, at most 5 GiB. We also keep the number of presigned URLs handed out in one response bounded.
const MiB = 1024 * 1024;
export const MIN_PART_BYTES = 5 * MiB;
export const MAX_PART_BYTES = 5 * 1024 * MiB;
/** Fewer, larger parts past this: a response with thousands of presigned URLs gets unwieldy. */
export const TARGET_MAX_PARTS = 1000;

export interface PartPlan {
  bytes: number;
  partSize: number;
  partCount: number;
}

export function planParts(bytes: number): PartPlan {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new RangeError(`bytes must be a positive integer: ${bytes}`);
  // Whole MiB keeps part sizes readable in logs and S3 listings.
  const partSize = Math.max(MIN_PART_BYTES, Math.ceil(bytes / TARGET_MAX_PARTS / MiB) * MiB);
  if (partSize > MAX_PART_BYTES) throw new RangeError(`${bytes} bytes needs parts over S3's 5 GiB maximum`);
  return { bytes, partSize, partCount: Math.ceil(bytes / partSize) };
}

/** The size S3 must report for a part once it is uploaded. */
export function expectedPartBytes(plan: PartPlan, partNumber: number): number {
  if (partNumber < plan.partCount) return plan.partSize;
  return plan.bytes - plan.partSize * (plan.partCount - 1);
}
