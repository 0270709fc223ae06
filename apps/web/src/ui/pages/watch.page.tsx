// One video: the player once it is ready (or its state until then), its title, owner's like state and counts.
import { type Reelforge, unwrap, type Video } from '@reelforge/client';
import { useEffect, useState } from 'preact/hooks';
import { LikeButton } from '../components/like.button';
import { ErrorNotice } from '../components/notice';
import { Player } from '../player/player';
import { messageOf, type Session } from '../session';

export function WatchPage(props: { rf: Reelforge; id: string; session: Session | null }) {
  const [video, setVideo] = useState<Video | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setVideo(null);
    setError(null);
    unwrap(props.rf.api.GET('/v1/videos/{id}', { params: { path: { id: props.id } } }))
      .then(setVideo)
      .catch((err: unknown) => setError(messageOf(err)));
  }, [props.rf, props.id]);

  if (error) return <ErrorNotice error={error} />;
  if (!video) return <p>Loading…</p>;
  return (
    <article class="watch">
      {video.status === 'ready' ? (
        <Player rf={props.rf} video={video} userId={props.session?.me.id ?? null} />
      ) : (
        <p class="notice">This video is not ready yet ({video.status.replace('_', ' ')}).</p>
      )}
      <h1>{video.title}</h1>
      {video.description && <p>{video.description}</p>}
      <div class="inline">
        <LikeButton
          rf={props.rf}
          videoId={video.id}
          likes={video.likes}
          likedByMe={video.likedByMe}
          signedIn={props.session !== null}
        />
        <span class="meta">
          {video.views} {video.views === 1 ? 'view' : 'views'} · {video.visibility === 'public' ? 'Public' : 'Private'}
        </span>
      </div>
    </article>
  );
}
