// Turns a record's bytes into a contract message, or says in one line why it cannot (that line becomes the DLQ
// reason, so it names the failing fields).
import type { z } from 'zod';

export type Decoded<T> = { ok: true; message: T } | { ok: false; reason: string };

export function decodeMessage<S extends z.ZodType>(schema: S, value: Buffer | null): Decoded<z.infer<S>> {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty value' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, message: result.data };
  return { ok: false, reason: `schema: ${describeIssues(result.error)}` };
}

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}
