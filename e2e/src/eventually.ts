// The e2e tests' one polling helper: vitest's own waitFor, with a message that says what was awaited.
import { vi } from 'vitest';

/** Polls `check` until it returns something other than null. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | null>,
  timeoutMs: number,
  context?: () => string,
): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await check();
      if (value === null) throw new Error(`timed out waiting for ${what}${context ? `\n${context()}` : ''}`);
      return value;
    },
    { timeout: timeoutMs, interval: 100 },
  );
}
