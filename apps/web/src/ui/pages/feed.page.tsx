// The public feeds: newest first, and trending (views + 3 × likes over the last days), paged by cursor.
import { type components, type Reelforge, unwrap } from '@reelforge/client';
import { useEffect, useState } from 'preact/hooks';
import { LikeButton } from '../components/like.button';
import { Link } from '../components/link';
import { ErrorNotice } from '../components/notice';
import { formatTime } from '../player/storyboard';
import { messageOf } from '../session';

type FeedItem = components['schemas']['FeedItem'];

export function FeedPage(props: { rf: Reelforge; tab: 'latest' | 'trending'; signedIn: boolean }) {
  const { rf, tab } = props;
  const [items, setItems] = useState<FeedItem[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async (after?: string) => {
    setError(null);
    try {
      const query = { limit: 24, ...(after && { cursor: after }) };
      const page = await unwrap(
        tab === 'trending'
          ? rf.api.GET('/v1/feed/trending', { params: { query } })
          : rf.api.GET('/v1/feed', { params: { query } }),
      );
      setItems((prev) => (after && prev ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  useEffect(() => {
    setItems(null);
    void load();
  }, [rf, tab]);

  return (
    <section>
      <h1 class="visually-hidden">{tab === 'trending' ? 'Trending videos' : 'Latest videos'}</h1>
      <nav class="tabs" aria-label="Feeds">
        <Link href="/" current={tab === 'latest'}>
          Latest
        </Link>
        <Link href="/trending" current={tab === 'trending'}>
          Trending
        </Link>
      </nav>
      <ErrorNotice error={error} />
      {items === null && !error && <p>Loading…</p>}
      {items?.length === 0 && <p>No public videos yet.</p>}
      <ul class="grid">
        {items?.map((item) => (
          <li key={item.id} class="card" aria-label={item.title}>
            <Link href={`/watch/${item.id}`}>
              {item.poster ? <img src={item.poster} alt="" loading="lazy" /> : <div class="poster-blank" />}
              <span class="title">{item.title}</span>
            </Link>
            <p class="meta">
              {item.ownerName} · {item.views} {item.views === 1 ? 'view' : 'views'}
              {item.durationSec !== null && ` · ${formatTime(item.durationSec)}`}
            </p>
            <LikeButton
              rf={rf}
              videoId={item.id}
              likes={item.likes}
              likedByMe={item.likedByMe}
              signedIn={props.signedIn}
            />
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" onClick={() => load(cursor)}>
          Show more
        </button>
      )}
    </section>
  );
}
