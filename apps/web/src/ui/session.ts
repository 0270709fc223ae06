// Who is signed in (the API's bearer token and GET /v1/me, kept in localStorage across reloads), the SDK client
// for the page's own origin (the web server and CloudFront proxy /v1 there), and the device id players report.
import { type components, createReelforge, type Reelforge, ReelforgeError } from '@reelforge/client';

export type Me = components['schemas']['Me'];
export interface Session {
  token: string;
  me: Me;
}

const SESSION_KEY = 'reelforge.session';
const DEVICE_KEY = 'reelforge.device';

export const clientFor = (session: Session | null): Reelforge =>
  createReelforge({ baseUrl: window.location.origin, token: session?.token });

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  try {
    if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
    else localStorage.removeItem(SESSION_KEY);
  } catch {
    // Private mode: the session lasts as long as the page.
  }
}

export function deviceId(): string {
  try {
    let id = localStorage.getItem(DEVICE_KEY);
    if (!id) {
      id = crypto.randomUUID();
      localStorage.setItem(DEVICE_KEY, id);
    }
    return id;
  } catch {
    return crypto.randomUUID();
  }
}

/** What a person is shown of a failure: the API problem's own message, never a stack or an internal name. */
export function messageOf(err: unknown): string {
  if (err instanceof ReelforgeError) return err.message;
  if (err instanceof Error && err.name === 'AbortError') return 'Cancelled.';
  return 'Something went wrong. Try again.';
}

/** A signed-out reader's token has expired or was revoked. */
export const isUnauthorized = (err: unknown) => err instanceof ReelforgeError && err.status === 401;
