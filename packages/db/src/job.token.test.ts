import { describe, expect, it } from 'vitest';
import { jobTokenMatches, newJobToken } from './job.token.js';

const token = 'a'.repeat(64);

describe('newJobToken', () => {
  it('is 64 hex characters, different every time', () => {
    const a = newJobToken();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(newJobToken()).not.toBe(a);
  });
});

describe('jobTokenMatches', () => {
  it('accepts only the job’s own token', () => {
    expect(jobTokenMatches(token, token)).toBe(true);
    expect(jobTokenMatches(token, `${'a'.repeat(63)}b`)).toBe(false);
    expect(jobTokenMatches(token, 'A'.repeat(64))).toBe(false);
  });

  it('refuses a missing, empty, shorter or longer token', () => {
    expect(jobTokenMatches(token, undefined)).toBe(false);
    expect(jobTokenMatches(token, '')).toBe(false);
    expect(jobTokenMatches(token, 'a'.repeat(63))).toBe(false);
    expect(jobTokenMatches(token, 'a'.repeat(65))).toBe(false);
  });

  it('never matches when the job has no token', () => {
    expect(jobTokenMatches('', '')).toBe(false);
  });
});
