import { describe, expect, it } from 'vitest';
import { hrefOf, parseRoute } from './route';

const id = '11111111-2222-4333-8444-555555555555';

describe('parseRoute', () => {
  it('reads each page from its path, trailing slashes aside', () => {
    expect(parseRoute('/')).toEqual({ name: 'feed', tab: 'latest' });
    expect(parseRoute('/trending/')).toEqual({ name: 'feed', tab: 'trending' });
    expect(parseRoute('/signin')).toEqual({ name: 'signin' });
    expect(parseRoute('/signup')).toEqual({ name: 'signup' });
    expect(parseRoute('/upload')).toEqual({ name: 'upload' });
    expect(parseRoute('/mine')).toEqual({ name: 'mine' });
    expect(parseRoute(`/watch/${id}`)).toEqual({ name: 'watch', id });
  });

  it('shows "not found" for anything else, a malformed video id included', () => {
    expect(parseRoute('/watch/not-an-id')).toEqual({ name: 'notfound' });
    expect(parseRoute('/watch')).toEqual({ name: 'notfound' });
    expect(parseRoute('/mine/extra')).toEqual({ name: 'notfound' });
  });

  it('is the inverse of hrefOf', () => {
    for (const path of ['/', '/trending', '/signin', '/signup', '/upload', '/mine', `/watch/${id}`]) {
      expect(hrefOf(parseRoute(path))).toBe(path);
    }
  });
});
