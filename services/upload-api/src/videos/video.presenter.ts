// The read model: a video row (and its renditions) as the API shows it, with links into the processed bucket.
import type { S3Client } from '@aws-sdk/client-s3';
import { ownerSafeMessage, type Video as VideoResource } from '@reelforge/contracts';
import type { Engagement, Rendition, Video } from '@reelforge/db';
import { cdnUrl, presignGet, signPlaybackToken, tokenPathPrefix } from '@reelforge/storage';

/** A URL a client can fetch for an object key of the processed bucket. */
export type LinkFor = (key: string) => Promise<string>;

/** The links of one video: plain for a public one, under a playback token for a private one. */
export type LinksFor = (video: Pick<Video, 'id' | 'visibility' | 'durationSec'>) => LinkFor;

/** Tokens expire on a grid so repeated reads of a video hand out the same URLs (browser and player caches hold). */
const TOKEN_GRID_SEC = 300;

/**
 * Under CDN_BASE_URL when one is set (plain paths, so relative references inside HLS playlists and the storyboard
 * VTT resolve; a private video's paths carry a signed token segment in front, which the edge checks), presigned GETs
 * otherwise (each file works alone; an HLS master does not, see the Video schema).
 */
export function playbackLinks(opts: {
  s3: S3Client;
  bucket: string;
  cdnBaseUrl?: string | undefined;
  ttlSec: number;
  /** Signing secrets, newest first; required with a CDN. */
  tokenSecrets?: readonly string[];
  nowMs?: () => number;
}): LinksFor {
  const { cdnBaseUrl } = opts;
  if (cdnBaseUrl) {
    const under = (base: string) => async (key: string) => cdnUrl(base, key);
    const publicLink = under(cdnBaseUrl);
    const secret = opts.tokenSecrets?.[0];
    return (video) => {
      if (video.visibility === 'public') return publicLink;
      if (!secret) throw new TypeError('a CDN base URL needs playback token secrets for private videos');
      // Long enough to watch the whole video once at the player's pace, however short the configured lifetime.
      const ttl = Math.max(opts.ttlSec, Math.ceil((video.durationSec ?? 0) * 2));
      const now = Math.floor((opts.nowMs?.() ?? Date.now()) / 1000);
      const expiresAt = Math.ceil((now + ttl) / TOKEN_GRID_SEC) * TOKEN_GRID_SEC;
      return under(
        `${cdnBaseUrl}/${tokenPathPrefix(signPlaybackToken(secret, { videoId: video.id, expiresAt }))}`.replace(
          /\/$/,
          '',
        ),
      );
    };
  }
  const presigned: LinkFor = (key) => presignGet(opts.s3, { bucket: opts.bucket, key }, opts.ttlSec);
  return () => presigned;
}

export async function presentVideo(
  video: Video,
  renditions: Rendition[],
  engagement: Engagement,
  link: LinkFor,
  /** Names (the buckets) that must not appear in what the owner reads. */
  hidden: readonly string[] = [],
): Promise<VideoResource> {
  const resource: VideoResource = {
    id: video.id,
    title: video.title,
    description: video.description,
    visibility: video.visibility,
    status: video.status,
    createdAt: video.createdAt.toISOString(),
    updatedAt: video.updatedAt.toISOString(),
    source: {
      filename: video.originalFilename,
      // Until a direct upload completes this is the size the client announced, and no sha256 exists yet.
      bytes: video.sourceBytes === null ? null : Number(video.sourceBytes),
      contentType: video.contentType,
      sha256: video.sourceSha256,
      durationSec: video.durationSec,
      width: video.width,
      height: video.height,
    },
    progressPct: video.progressPct,
    views: engagement.views,
    likes: engagement.likes,
  };
  if (video.status === 'failed') {
    // Rows written before messages were cleaned when stored, and any writer that forgot, are cleaned here too.
    resource.error = {
      code: video.errorCode ?? 'INTERNAL',
      message: ownerSafeMessage(video.errorMessage ?? '', hidden),
    };
  }
  if (video.status !== 'ready') return resource;

  const [hls, poster, image, vtt, mp4s] = await Promise.all([
    video.hlsMasterKey ? link(video.hlsMasterKey) : undefined,
    video.posterKey ? link(video.posterKey) : undefined,
    video.spriteKey ? link(video.spriteKey) : undefined,
    video.vttKey ? link(video.vttKey) : undefined,
    Promise.all(renditions.map((r) => link(r.mp4Key))),
  ]);
  if (hls) resource.hls = hls;
  resource.renditions = renditions.map((r, i) => ({
    name: r.name,
    width: r.width,
    height: r.height,
    bitrateKbps: r.bitrateKbps,
    mp4: mp4s[i] as string,
  }));
  if (poster) resource.poster = poster;
  if (image && vtt) resource.storyboard = { image, vtt };
  return resource;
}
