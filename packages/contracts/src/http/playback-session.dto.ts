// The reply to `POST /v1/videos/{id}/playback-sessions`: what a player sends with its engagement events.
import { z } from 'zod';

export const PlaybackSession = z
  .object({
    token: z
      .string()
      .describe(
        'Send as `Authorization: Bearer {token}` with every `POST /v1/events` of this playback. It names the video, ' +
          'the session and the viewer; the events ingest trusts it, not the event bodies.',
      ),
    sessionId: z.uuid().describe("Put in each event's `session_id`. One session counts at most one view."),
    expiresAt: z.iso.datetime().describe('After this the ingest refuses the token; ask for a new session.'),
  })
  .meta({ id: 'PlaybackSession' });
export type PlaybackSession = z.infer<typeof PlaybackSession>;
