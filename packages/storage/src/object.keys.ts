// The object key layout, in one place. Outputs live under their attempt so a retry never overwrites (or mixes
// with) the files of an attempt that might still be running.

/** The uploaded original in the raw bucket. */
export const sourceKey = (videoId: string) => `sources/${videoId}/original`;

/** Everything one transcode attempt writes to the processed bucket. */
export const outputPrefix = (videoId: string, attempt: number) => `videos/${videoId}/${attempt}/`;

/** Every object of a video in the processed bucket, across attempts. */
export const videoPrefix = (videoId: string) => `videos/${videoId}/`;

/**
 * In the processed bucket, present while the video is public: the local playback edge serves a video's plain paths
 * only while its marker exists (the CloudFront Function reads `public:{id}` in its key-value store instead).
 */
export const publicMarkerKey = (videoId: string) => `access/public/${videoId}`;

/** A processed object's URL under a CDN (or the local edge): the key's segments escaped, its slashes kept. */
export const cdnUrl = (baseUrl: string, key: string) =>
  `${baseUrl}/${key.split('/').map(encodeURIComponent).join('/')}`;
