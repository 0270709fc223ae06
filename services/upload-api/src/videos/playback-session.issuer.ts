// Issues playback session tokens: one per playback, for a ready video the caller may watch (the visibility rule of
// VideoRepository.findVisible: public to anyone, private to its owner, 404 otherwise). Signing needs no state; the
// events ingest verifies the token on its own.
import { randomUUID } from 'node:crypto';
import { AppError, type PlaybackSession } from '@reelforge/contracts';
import type { VideoRepository } from '@reelforge/db';
import { signPlaybackSession } from '@reelforge/storage';

export interface PlaybackSessionConfig {
  /** Newest first: signs with the first. */
  secrets: readonly string[];
  ttlSec: number;
}

export class PlaybackSessionIssuer {
  constructor(
    private readonly videos: VideoRepository,
    private readonly config: PlaybackSessionConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * `viewerId` is the signed-in user, or null; an anonymous viewer gets a fresh id per session, since nothing
   * on the request identifies one across sessions without a cookie (which a player cannot be relied on to keep).
   */
  async issue(videoId: string, userId: string | null): Promise<PlaybackSession> {
    const video = await this.videos.findVisible(videoId, userId);
    if (!video) throw new AppError('NOT_FOUND', 'no such video');
    if (video.status !== 'ready') throw new AppError('CONFLICT', 'the video is not ready to play');
    const sessionId = randomUUID();
    const expiresAt = Math.floor(this.now().getTime() / 1000) + this.config.ttlSec;
    const token = signPlaybackSession(this.config.secrets[0] as string, {
      videoId,
      sessionId,
      userId,
      viewerId: userId ?? randomUUID(),
      expiresAt,
    });
    return { token, sessionId, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }
}
