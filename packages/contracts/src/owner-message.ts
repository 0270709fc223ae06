// What the owner of a video may read about why it failed. Failure texts are written by the transcoder, FFmpeg and
// the AWS SDK for operators; before one is stored on (or shown from) the video row, every storage location in it —
// URLs, bucket/key pairs, object keys, scratch paths — is replaced, so an owner learns what went wrong, not where.

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi;
/** A token that is a path: absolute (`/tmp/…`, `~/…`), or with two or more slashes (`bucket/sources/id/source`). */
const PATH_PATTERN = /(^|[\s'"(=[,])(~?\/[^\s'"()<>,;]+|[\w.@+-]+(?:\/[^\s'"()<>,;]+){2,})/g;
/** Any other token with a slash: a location when it names one of our key families or carries an id. */
const SLASHED_PATTERN = /(^|[\s'"(=[,])([^\s'"()<>,;]*\/[^\s'"()<>,;]*)/g;
const KEY_LIKE = /(^|\/)(sources|videos|events)\/|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
/** Punctuation that ends a sentence rather than a path. */
const TRAILING = /[:.,;!?]+$/;

export const PATH_PLACEHOLDER = '[path]';

function replaceToken(_match: string, lead: string, token: string): string {
  const tail = TRAILING.exec(token)?.[0] ?? '';
  return `${lead}${PATH_PLACEHOLDER}${tail}`;
}

/**
 * `text` with storage locations replaced by `[path]`; `secrets` (bucket names, hosts) are replaced wherever they
 * appear. Pure and idempotent.
 */
export function ownerSafeMessage(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(URL_PATTERN, (url) => replaceToken(url, '', url));
  out = out
    .replace(PATH_PATTERN, replaceToken)
    .replace(SLASHED_PATTERN, (match, lead: string, token: string) =>
      KEY_LIKE.test(token) ? replaceToken(match, lead, token) : match,
    );
  for (const secret of secrets) {
    if (secret.length >= 3) out = out.split(secret).join(PATH_PLACEHOLDER);
  }
  return out;
}
