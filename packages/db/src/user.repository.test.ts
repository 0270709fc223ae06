import { describe, expect, it } from 'vitest';
import { DISPLAY_NAME_MAX, defaultDisplayName } from './user.repository.js';

describe('defaultDisplayName', () => {
  it('is the local part of the address, never its domain', () => {
    expect(defaultDisplayName('ada.lovelace@example.com')).toBe('ada.lovelace');
  });

  it('takes the last @ as the separator (quoted local parts may hold one)', () => {
    expect(defaultDisplayName('"a@b"@example.com')).toBe('"a@b"');
  });

  it('drops control characters and falls back to "user" when nothing is left', () => {
    expect(defaultDisplayName('a\u0000b\u007f@example.com')).toBe('ab');
    expect(defaultDisplayName('\u0001@example.com')).toBe('user');
  });

  it('is cut at the column width in characters, not bytes', () => {
    const name = defaultDisplayName(`${'é'.repeat(DISPLAY_NAME_MAX + 5)}@example.com`);
    expect(name).toBe('é'.repeat(DISPLAY_NAME_MAX));
  });
});
