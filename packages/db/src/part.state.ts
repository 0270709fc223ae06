// The parts of a chunked job (issue #20) and their lifecycle: each part is launched, retried and reaped on its own.
// pending → launching → running → succeeded | failed; a retryable failure or a lost task puts the part back to
// pending for its next part-attempt (up to a limit); launching → pending also when the platform had no capacity.
export const partKinds = ['aux', 'chunk', 'stitch'] as const;
export type PartKind = (typeof partKinds)[number];

export const partStatuses = ['pending', 'launching', 'running', 'succeeded', 'failed'] as const;
export type PartStatus = (typeof partStatuses)[number];

/** A part whose task may be out there: what the global cap counts and the reaper judges. */
export const partInFlight: readonly PartStatus[] = ['launching', 'running'];

/** How many parts of a job of `chunkCount` chunks report before the stitch: every chunk and the aux part. */
export const partsBeforeStitch = (chunkCount: number): number => chunkCount + 1;
