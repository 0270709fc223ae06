// The app's frame: the header and navigation, the page of the current path, and a fallback that shows what went
// wrong instead of a blank page.
import { useErrorBoundary, useMemo, useState } from 'preact/hooks';
import { Link } from './components/link';
import { navigate, useRoute } from './navigation';
import { AuthPage } from './pages/auth.page';
import { FeedPage } from './pages/feed.page';
import { MyVideosPage } from './pages/my-videos.page';
import { UploadPage } from './pages/upload.page';
import { WatchPage } from './pages/watch.page';
import type { Route } from './route';
import { clientFor, loadSession, messageOf, type Session, saveSession } from './session';

export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | null>(loadSession);
  const rf = useMemo(() => clientFor(session), [session]);
  const [crash, resetCrash] = useErrorBoundary();

  const signIn = (s: Session) => {
    saveSession(s);
    setSession(s);
    navigate('/upload');
  };
  const signOut = () => {
    saveSession(null);
    setSession(null);
    navigate('/');
  };

  const here = (name: Route['name']) => route.name === name;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <Link href="/" class="brand">
          Reelforge
        </Link>
        <nav aria-label="Main">
          <Link href="/" current={here('feed')}>
            Feed
          </Link>
          {session && (
            <>
              <Link href="/upload" current={here('upload')}>
                Upload
              </Link>
              <Link href="/mine" current={here('mine')}>
                My videos
              </Link>
            </>
          )}
          {session ? (
            <button type="button" class="link" onClick={signOut} title={`Signed in as ${session.me.email}`}>
              Sign out
            </button>
          ) : (
            <>
              <Link href="/signin" current={here('signin')}>
                Sign in
              </Link>
              <Link href="/signup" current={here('signup')}>
                Sign up
              </Link>
            </>
          )}
        </nav>
      </header>
      <main id="main">
        {crash ? (
          <div class="notice error" role="alert">
            <p>{messageOf(crash)}</p>
            <button type="button" onClick={resetCrash}>
              Try again
            </button>
          </div>
        ) : (
          <Page route={route} session={session} rf={rf} onSignedIn={signIn} />
        )}
      </main>
    </>
  );
}

function Page(props: {
  route: Route;
  session: Session | null;
  rf: ReturnType<typeof clientFor>;
  onSignedIn: (s: Session) => void;
}) {
  const { route, session, rf } = props;
  switch (route.name) {
    case 'feed':
      return <FeedPage rf={rf} tab={route.tab} signedIn={session !== null} />;
    case 'signin':
    case 'signup':
      return <AuthPage key={route.name} mode={route.name} onSignedIn={props.onSignedIn} />;
    case 'upload':
      return session ? <UploadPage rf={rf} /> : <SignInFirst />;
    case 'mine':
      return session ? <MyVideosPage rf={rf} /> : <SignInFirst />;
    case 'watch':
      return <WatchPage key={route.id} rf={rf} id={route.id} session={session} />;
    case 'notfound':
      return (
        <p class="notice">
          There is no such page. <Link href="/">Back to the feed</Link>.
        </p>
      );
  }
}

function SignInFirst() {
  return (
    <p class="notice">
      <Link href="/signin">Sign in</Link> or <Link href="/signup">create an account</Link> first.
    </p>
  );
}
