// Which object a request path names, decided on the raw path alone: only keys under `videos/`, and nothing a
// decoder, a proxy or the store could resolve to somewhere else (dot segments, encoded slashes, NULs).

const PREFIX = '/videos/';

/** The object key for a request's raw path (query excluded), or null when it names no servable object. */
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
 * short so a deleted video stops playing soon.
 */
export function cacheControlFor(key: string): string {
  return /\.(m3u8|vtt|json)$/.test(key) ? 'public, max-age=60' : 'public, max-age=86400, immutable';
}
