// The like button: the viewer's own state (pressed or not) and the count, changed with PUT/DELETE …/like.
import type { Reelforge } from '@reelforge/client';
import { unwrap } from '@reelforge/client';
import { useState } from 'preact/hooks';
import { messageOf } from '../session';

interface Props {
  rf: Reelforge;
  videoId: string;
  likes: number;
  likedByMe: boolean | undefined;
  signedIn: boolean;
}

export function LikeButton(props: Props) {
  const [state, setState] = useState({ likes: props.likes, liked: props.likedByMe ?? false });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      const opts = { params: { path: { id: props.videoId } } };
      const next = await unwrap(
        state.liked
          ? props.rf.api.DELETE('/v1/videos/{id}/like', opts)
          : props.rf.api.PUT('/v1/videos/{id}/like', opts),
      );
      setState({ likes: next.likes, liked: next.likedByMe });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <span class="like">
      <button
        type="button"
        aria-pressed={state.liked}
        disabled={busy || !props.signedIn}
        title={props.signedIn ? undefined : 'Sign in to like videos'}
        onClick={toggle}
      >
        <span aria-hidden="true">{state.liked ? '♥' : '♡'}</span> {state.liked ? 'Liked' : 'Like'}
      </button>
      <span class="count">
        {state.likes}
        <span class="visually-hidden">{state.likes === 1 ? ' like' : ' likes'}</span>
      </span>
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
