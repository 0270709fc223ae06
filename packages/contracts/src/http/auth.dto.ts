// Accounts: register and log in with an email and a password, get a bearer token.
import { z } from 'zod';
import { PRINTABLE } from './video.dto.js';

export const Credentials = z
  .object({
    email: z
      .email()
      .max(254)
      // RFC 5321's limit on the local part, which the document's `format: email` implies and zod's pattern does not.
      .refine((e) => e.lastIndexOf('@') <= 64, 'the part before @ is at most 64 characters')
      .toLowerCase(),
    // Upper bound: scrypt's cost grows with input, and nobody types a 1 MB password.
    password: z.string().min(8).max(256),
  })
  .meta({ id: 'Credentials' });
export type Credentials = z.infer<typeof Credentials>;

export const TokenResponse = z
  .object({
    token: z.string().describe('A JWT to send as `Authorization: Bearer <token>`.'),
    expiresInSec: z.number().int().positive(),
  })
  .meta({ id: 'TokenResponse' });
export type TokenResponse = z.infer<typeof TokenResponse>;

/** What others see of a user (on feeds): one printable line. */
export const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(PRINTABLE, 'display name must not contain control characters');

export const RegisterRequest = Credentials.extend({
  displayName: DisplayName.optional().describe("Shown on feeds; defaults to the email's local part."),
}).meta({ id: 'RegisterRequest' });
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const Me = z.object({ id: z.uuid(), email: z.string(), displayName: z.string() }).meta({ id: 'Me' });
export type Me = z.infer<typeof Me>;

export const UpdateMeRequest = z.object({ displayName: DisplayName }).strict().meta({ id: 'UpdateMeRequest' });
export type UpdateMeRequest = z.infer<typeof UpdateMeRequest>;
