// The e2e tests' one polling helper.

/** Polls `check` until it returns something other than null. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | null>,
  timeoutMs: number,
  context?: () => string,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${context ? `\n${context()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
