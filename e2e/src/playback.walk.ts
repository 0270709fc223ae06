// Every URL a player of a ready video fetches: the HLS master, each variant playlist, its init section and every
// segment (by the playlists' relative references), the MP4s, the poster and the storyboard.
import type { Video } from '@reelforge/contracts';

async function text(url: string): Promise<string> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return res.text();
}

const references = (playlist: string) => playlist.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

export async function playbackUrls(video: Video): Promise<string[]> {
  if (!video.hls) throw new Error(`video ${video.id} has no HLS master (status ${video.status})`);
  const urls = [
    video.hls,
    ...[video.poster, video.storyboard?.image, video.storyboard?.vtt].filter((u): u is string => Boolean(u)),
    ...(video.renditions ?? []).map((r) => r.mp4).filter((u): u is string => Boolean(u)),
  ];
  for (const variant of references(await text(video.hls))) {
    const playlistUrl = new URL(variant, video.hls).toString();
    const playlist = await text(playlistUrl);
    const init = playlist.match(/#EXT-X-MAP:URI="([^"]+)"/)?.[1];
    urls.push(
      playlistUrl,
      ...[...(init ? [init] : []), ...references(playlist)].map((r) => new URL(r, playlistUrl).toString()),
    );
  }
  return [...new Set(urls)];
}
