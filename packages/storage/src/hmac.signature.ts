// The one HMAC-SHA256 both playback token kinds sign with, and the one way they verify: against every configured
// secret (signed with the first, accepted with any, so a secret rotates), in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const hmac = (secret: string, message: string): Buffer => createHmac('sha256', secret).update(message).digest();

/** True when `given` is the HMAC of `message` under one of `secrets`. */
export function signedByAny(secrets: readonly string[], message: string, given: Buffer): boolean {
  return secrets.some((s) => {
    const want = hmac(s, message);
    return want.length === given.length && timingSafeEqual(want, given);
  });
}
