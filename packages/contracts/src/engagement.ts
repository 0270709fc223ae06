// Engagement events: what a player reports (`POST /v1/events`), the record that carries it on `engagement.events`,
// and the batch reply. Unknown fields a player adds are kept end to end, so a newer player's data is never lost.
import { z } from 'zod';

export const EngagementEventType = z.enum([
  'play',
  'pause',
  'resume',
  'seek',
  'stop',
  'like',
  'unlike',
  'view_complete',
]);
export type EngagementEventType = z.infer<typeof EngagementEventType>;

const Id = z.string().min(1).max(128);

export const EngagementClientV1 = z.looseObject({
  app: z.string().min(1).max(64),
  version: z.string().min(1).max(32),
});
export type EngagementClientV1 = z.infer<typeof EngagementClientV1>;

/** One event as a player sends it. */
export const EngagementEventV1 = z.looseObject({
  schema_version: z.literal(1),
  /** Chosen by the player and kept across its retries: the lake drops repeats of one id. */
  event_id: z.string().min(1).max(64),
  event_type: EngagementEventType,
  /** When it happened on the device; an offset is allowed (the lake stores the instant in UTC). */
  timestamp: z.iso.datetime({ offset: true }),
  /** null for a viewer who is not signed in. Must be the user of the request's playback session token. */
  user_id: Id.nullable(),
  device_id: Id,
  /** The playback session's id, as its token names it: one session counts at most one view. */
  session_id: Id,
  /** A Reelforge videoId: the video of the request's playback session token. */
  content_id: z.uuid(),
  position_sec: z.number().nonnegative().max(1e7),
  client: EngagementClientV1,
});
export type EngagementEventV1 = z.infer<typeof EngagementEventV1>;

/**
 * The message on `engagement.events`: the player's event untouched (extras included) inside what the ingest service
 * saw of the request. Keyed by the event's content_id so one video's events keep their order.
 */
export const EngagementEventRecordV1 = z.object({
  version: z.literal(1),
  received_at: z.iso.datetime(),
  ip: z.string(),
  user_agent: z.string().nullable(),
  event: EngagementEventV1,
});
export type EngagementEventRecordV1 = z.infer<typeof EngagementEventRecordV1>;

/**
 * The content-analytics design's event, schema_version "1.0", as that design specifies it. Its content is anything
 * the operator shows (movies, episodes, ads: free-form ids, not Reelforge videos), so it is analytics only and
 * never moves a Reelforge count. Sent by the operator's servers and apps with an API key (docs/api-keys.md).
 */
export const MediaEventType = z.enum(['play', 'pause', 'stop']);
export type MediaEventType = z.infer<typeof MediaEventType>;
export const MediaContentType = z.enum(['movie', 'episode', 'ad']);
export type MediaContentType = z.infer<typeof MediaContentType>;

export const MediaEventV1 = z.looseObject({
  schema_version: z.literal('1.0'),
  /** Kept across the sender's retries: the lake drops repeats of one id. */
  event_id: z.string().min(1).max(128),
  event_type: MediaEventType,
  timestamp: z.iso.datetime({ offset: true }),
  user_id: Id.nullable(),
  device_id: Id,
  session_id: Id,
  content_id: Id,
  content_type: MediaContentType,
  /** The viewer's address as the sender saw it; the record also carries the address the ingest saw (the sender's). */
  ip_address: z.string().max(64).nullable().optional(),
  title: z.string().max(512).nullable().optional(),
  genre: z.array(z.string().max(64)).max(32).nullable().optional(),
  duration_seconds: z.number().nonnegative().max(1e7).nullable().optional(),
  language: z.string().max(35).nullable().optional(),
  /** The playhead, in seconds from the start of the content. */
  current_timestamp: z.number().nonnegative().max(1e7).nullable().optional(),
  event_source: z.string().max(64).nullable().optional(),
});
export type MediaEventV1 = z.infer<typeof MediaEventV1>;

/** A MediaEventV1 on `engagement.events`: the sender's bytes inside what the ingest saw, and which key sent it. */
export const MediaEventRecordV1 = z.object({
  version: z.literal(1),
  received_at: z.iso.datetime(),
  ip: z.string(),
  user_agent: z.string().nullable(),
  /** The id (not the secret) of the API key that authenticated the request. */
  api_key_id: z.string(),
  event: MediaEventV1,
});
export type MediaEventRecordV1 = z.infer<typeof MediaEventRecordV1>;

/** Everything `engagement.events` carries; the event's schema_version (1 or "1.0") tells the two apart. */
export const EngagementRecord = z.union([EngagementEventRecordV1, MediaEventRecordV1]);
export type EngagementRecord = z.infer<typeof EngagementRecord>;

export const RejectedEvent = z.object({
  /** Position in the submitted array or NDJSON line order, from 0. */
  index: z.number().int().nonnegative(),
  reasons: z.array(z.string()).min(1),
});
export type RejectedEvent = z.infer<typeof RejectedEvent>;

/** The reply to `POST /v1/events`: 202 when all were accepted, 207 when some were refused, 4xx when none were. */
export const EventBatchResult = z.object({
  accepted: z.number().int().nonnegative(),
  rejected: z.array(RejectedEvent),
});
export type EventBatchResult = z.infer<typeof EventBatchResult>;
