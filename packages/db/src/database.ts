// The row types of every table, as TypeScript sees them. Columns are snake_case in MySQL and camelCase here;
// Kysely's CamelCasePlugin (see db.client.ts) translates. Timestamps are UTC Dates with millisecond precision.
import type { Generated } from 'kysely';
import type { JobStatus, Launcher } from './job.state.js';
import type { PartKind, PartStatus } from './part.state.js';
import type { VideoStatus, Visibility } from './video.state.js';

export interface User {
  id: string;
  /** Always lower-cased and trimmed before it is stored or looked up. */
  email: string;
  passwordHash: string;
  /** What others see of the user (feeds); never derived from more than the email's local part. */
  displayName: string;
  createdAt: Date;
}

export interface Video {
  id: string;
  ownerId: string;
  title: string;
  description: string | null;
  visibility: Visibility;
  status: VideoStatus;
  /** The attempt whose results count; starts at 1 and grows by one per retry. Stale attempts' reports are ignored. */
  attempt: number;
  sourceBucket: string | null;
  sourceKey: string | null;
  sourceBytes: number | null;
  sourceSha256: string | null;
  contentType: string | null;
  originalFilename: string | null;
  /** Set while a direct-to-S3 multipart upload is open. */
  multipartUploadId: string | null;
  uploadExpiresAt: Date | null;
  durationSec: number | null;
  width: number | null;
  height: number | null;
  /** 0–100, never decreasing within an attempt. */
  progressPct: number;
  errorCode: string | null;
  errorMessage: string | null;
  hlsMasterKey: string | null;
  posterKey: string | null;
  spriteKey: string | null;
  /** The storyboard WebVTT that maps times to tiles of the sprite. */
  vttKey: string | null;
  createdAt: Date;
  updatedAt: Date;
  readyAt: Date | null;
}

export interface Rendition {
  videoId: string;
  /** The attempt that produced it. */
  attempt: number;
  name: string;
  width: number;
  height: number;
  bitrateKbps: number;
  codecs: string;
  mp4Key: string;
  playlistKey: string;
  bytes: number;
  createdAt: Date;
}

export interface TranscodeJob {
  id: string;
  videoId: string;
  attempt: number;
  status: JobStatus;
  launcher: Launcher;
  /** ECS task ARN or local pid, once launched. */
  taskId: string | null;
  /** Idempotency token for the launch (ECS RunTask clientToken, ≤ 64 chars), kept when a stale launch is re-claimed. */
  launchToken: string | null;
  /** A pending job waiting for launch capacity may be claimed from then on (null: it waits for no capacity). */
  launchAfter: Date | null;
  /** Launches put back to wait because ECS had no capacity: the backoff's step, and part of the next token. */
  capacityWaits: number;
  /**
   * The job's secret (64 hex characters): handed to its task in the job spec and required on every report, so a task
   * can speak only for its own job. Never logged.
   */
  jobToken: string;
  /** Set when the job was planned as this many chunks: its parts (`transcode_parts`) are launched and reaped. */
  chunkCount: number | null;
  /** Wall seconds of the whole task, or of a chunked job's stitch; the parts' are on their rows. */
  taskSeconds: number;
  /** The task size every task of the job ran at (ECS CPU units, 1024 a vCPU; MiB), when the dispatcher knew it. */
  taskCpu: number | null;
  taskMemoryMib: number | null;
  deadlineAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  exitCode: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One part of a chunked job: its aux part, one chunk, or its stitch; launched, retried and reaped on its own. */
export interface TranscodePart {
  id: string;
  jobId: string;
  videoId: string;
  attempt: number;
  kind: PartKind;
  /** The chunk's index; 0 for aux and stitch. */
  chunkIndex: number;
  startSec: number | null;
  endSec: number | null;
  status: PartStatus;
  /** Launches of this part so far (a retryable failure or a lost task launches it again, up to a limit). */
  partAttempt: number;
  taskId: string | null;
  launchToken: string | null;
  launchAfter: Date | null;
  capacityWaits: number;
  deadlineAt: Date;
  /** Summed over its part-attempts. */
  taskSeconds: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  exitCode: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface OutboxTable {
  id: Generated<number>;
  /** The logical topic name from the contracts catalog; the relay adds KAFKA_TOPIC_PREFIX. */
  topic: string;
  messageKey: string;
  /** JSON text, sent as the Kafka message value as it is. */
  payload: string;
  /** JSON object text of Kafka headers, or null. */
  headers: string | null;
  createdAt: Date;
  availableAt: Date;
  sentAt: Date | null;
  publishAttempts: number;
  lastError: string | null;
}

/** Per-video view counts: written by events-lake as it makes chunks durable, read by the upload-api. */
export interface VideoEngagementTable {
  videoId: string;
  /** BIGINT UNSIGNED: mysql2 gives numbers up to 2^53 and strings beyond. */
  views: number | string;
  updatedAt: Generated<Date>;
}

/** One user likes one video; a video's likes are its rows. */
export interface VideoLikeTable {
  videoId: string;
  userId: string;
  createdAt: Generated<Date>;
}

/** A streamed upload in flight; it counts against its user's concurrency quota until `leaseUntil`. */
export interface UploadLease {
  id: string;
  userId: string;
  leaseUntil: Date;
  createdAt: Generated<Date>;
}

/** Bytes a user reserved for uploads on one UTC day (`YYYY-MM-DD`). */
export interface UploadUsageTable {
  userId: string;
  /** DATE: written as `YYYY-MM-DD`; mysql2 reads it back as a Date at UTC midnight. */
  day: string | Date;
  /** BIGINT UNSIGNED: a number up to 2^53. */
  bytes: number | string;
}

/** A user's webhook endpoint (upload-api manages it, the notifier reads it and disables it). */
export interface WebhookEndpointTable {
  id: string;
  ownerId: string;
  url: string;
  description: string;
  /** JSON array text of event types. */
  events: string;
  /** `whsec_` + base64: Standard Webhooks' format. */
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  /** BOOLEAN: mysql2 reads 0/1. */
  enabled: boolean | number;
  disabledReason: string | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event for one endpoint; its id pair (endpoint, event) is unique, so a redelivered message adds nothing. */
export interface WebhookDeliveryTable {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  videoId: string | null;
  payload: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookAttemptTable {
  id: Generated<number>;
  deliveryId: string;
  attemptedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  nextAttemptAt: Date | null;
}

/** An API key of the operator's senders (analytics events); the key itself is never stored. */
export interface ApiKeyTable {
  id: string;
  name: string;
  /** SHA-256 of the key, hex. */
  keyHash: string;
  keyPrefix: string;
  createdAt: Generated<Date>;
  revokedAt: Date | null;
}

/** One user's "For You" list as the recommender last built it: `position` 0 first. */
export interface RecommendationTable {
  userId: string;
  position: number;
  videoId: string;
  score: number;
  builtAt: Date;
}

export interface Database {
  users: User;
  videos: Video;
  renditions: Rendition;
  transcodeJobs: TranscodeJob;
  transcodeParts: TranscodePart;
  outbox: OutboxTable;
  videoEngagement: VideoEngagementTable;
  videoLikes: VideoLikeTable;
  uploadLeases: UploadLease;
  uploadUsage: UploadUsageTable;
  launchCapacity: { id: number };
  webhookEndpoints: WebhookEndpointTable;
  webhookDeliveries: WebhookDeliveryTable;
  webhookAttempts: WebhookAttemptTable;
  apiKeys: ApiKeyTable;
  recommendations: RecommendationTable;
}
