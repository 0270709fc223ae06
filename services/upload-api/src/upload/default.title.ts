// A title for a video uploaded without one: its file name without the extension.
export const titleFromFilename = (filename: string | undefined): string =>
  (filename ?? '')
    .replace(/\.[^.]{1,8}$/, '')
    .trim()
    .slice(0, 200) || 'Untitled';
