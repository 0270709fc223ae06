// A feed item: the public video resource (links and counts as GET /v1/videos/:id gives them) cut to what a feed
// shows, with its owner's display name.
import type { FeedItem, Video as VideoResource } from '@reelforge/contracts';

export function presentFeedItem(video: VideoResource, ownerName: string): FeedItem {
  const item: FeedItem = {
    id: video.id,
    title: video.title,
    ownerName,
    durationSec: video.source.durationSec,
    views: video.views,
    likes: video.likes,
    renditions: video.renditions ?? [],
  };
  if (video.poster) item.poster = video.poster;
  if (video.hls) item.hls = video.hls;
  if (video.storyboard) item.storyboard = video.storyboard;
  return item;
}
