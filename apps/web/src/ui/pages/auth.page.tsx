// Sign up and sign in: a token from the API, then who it belongs to (GET /v1/me), kept as the session.
import { createReelforge, unwrap } from '@reelforge/client';
import { useState } from 'preact/hooks';
import { Link } from '../components/link';
import { ErrorNotice } from '../components/notice';
import { messageOf, type Session } from '../session';

export function AuthPage(props: { mode: 'signin' | 'signup'; onSignedIn: (session: Session) => void }) {
  const signup = props.mode === 'signup';
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const displayName = String(form.get('displayName') ?? '').trim();
    setBusy(true);
    setError(null);
    try {
      const anonymous = createReelforge({ baseUrl: window.location.origin });
      const { token } = await unwrap(
        signup
          ? anonymous.api.POST('/v1/auth/register', {
              body: { email, password, ...(displayName && { displayName }) },
            })
          : anonymous.api.POST('/v1/auth/login', { body: { email, password } }),
      );
      const rf = createReelforge({ baseUrl: window.location.origin, token });
      const me = await unwrap(rf.api.GET('/v1/me'));
      props.onSignedIn({ token, me });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="narrow">
      <h1>{signup ? 'Create an account' : 'Sign in'}</h1>
      <form onSubmit={submit} class="stack">
        <label>
          Email
          <input name="email" type="email" autocomplete="email" required />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete={signup ? 'new-password' : 'current-password'}
            minLength={8}
            required
          />
        </label>
        {signup && (
          <label>
            Display name <span class="hint">(shown on the feed; optional)</span>
            <input name="displayName" autocomplete="nickname" maxLength={64} />
          </label>
        )}
        <ErrorNotice error={error} />
        <button type="submit" disabled={busy}>
          {signup ? 'Sign up' : 'Sign in'}
        </button>
      </form>
      <p>
        {signup ? 'Already have an account? ' : 'New here? '}
        <Link href={signup ? '/signin' : '/signup'}>{signup ? 'Sign in' : 'Create an account'}</Link>
      </p>
    </section>
  );
}
