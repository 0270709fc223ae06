// Which object a request path names, decided on the raw path alone: only keys under `videos/{videoId}/`, and
// nothing a decoder, a proxy or the store could resolve to somewhere else (dot segments, encoded slashes, NULs).
// A private video's paths carry a playback token in front: `/t/{token}/videos/…` (packages/storage/src/playback.token.ts).

const PREFIX = '/videos/';
const TOKEN_PREFIX = /^\/t\/([^/]{1,128})(\/videos\/.*)$/;
const VIDEO_ID = /^[0-9a-f-]{36}$/;

export interface PlaybackPath {
  key: string;
  videoId: string;
  /** Present on a tokenized path; the plain path of a video opens only while it is public. */
  token?: string;
}

/** The object, video and token a request's raw path (query excluded) names, or null when it names none. */
export function parsePlaybackPath(rawPath: string): PlaybackPath | null {
  const tokenized = TOKEN_PREFIX.exec(rawPath);
  const key = playbackKey(tokenized ? (tokenized[2] as string) : rawPath);
  const videoId = key?.split('/')[1];
  if (!key || !videoId || !VIDEO_ID.test(videoId)) return null;
  return tokenized ? { key, videoId, token: tokenized[1] as string } : { key, videoId };
}

/** The object key for a plain raw path (query excluded), or null when it names no servable object. */
export function playbackKey(rawPath: string): string | null {
  if (!rawPath.startsWith(PREFIX)) return null;
  const segments: string[] = [];
  for (const raw of rawPath.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment === '' || segment === '.' || segment === '..') return null;
    if (/[/\\\0]/.test(segment)) return null;
    segments.push(segment);
  }
  // `videos/` alone, or a "directory" of it, is a listing: there is none.
  return segments.length >= 2 ? segments.join('/') : null;
}

/**
 * How long a client or a shared cache may keep a file. Everything under `videos/{id}/{attempt}/` is written once and
 * never rewritten (a retry writes a new attempt), so media is immutable; playlists and the storyboard index stay
 * short so a deleted video stops playing soon. A private video's files are for the viewer's own cache only.
 */
export function cacheControlFor(key: string, scope: 'public' | 'private' = 'public'): string {
  return /\.(m3u8|vtt|json)$/.test(key) ? `${scope}, max-age=60` : `${scope}, max-age=86400, immutable`;
}
