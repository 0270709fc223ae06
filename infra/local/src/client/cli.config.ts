// What the API commands keep between runs, in $XDG_CONFIG_HOME/reelforge (~/.config/reelforge): the token from
// login, and the direct upload started for each file, so `upload --resume` picks it up after Ctrl-C or a drop.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createReelforge, type Reelforge } from '@reelforge/client';

export const configDir = () => join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'reelforge');

interface Stored {
  apiUrl?: string;
  token?: string;
  /** Unfinished direct uploads by absolute file path: the upload id and the size it was started for. */
  uploads?: Record<string, { id: string; bytes: number; apiUrl: string }>;
}

const file = () => join(configDir(), 'config.json');

export async function readConfig(): Promise<Stored> {
  try {
    return JSON.parse(await readFile(file(), 'utf8')) as Stored;
  } catch {
    return {};
  }
}

export async function updateConfig(change: (c: Stored) => void): Promise<void> {
  const config = await readConfig();
  change(config);
  await mkdir(configDir(), { recursive: true, mode: 0o700 });
  // The token is a credential: readable by its owner only.
  await writeFile(file(), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

export const fileKey = (path: string) => resolve(path);

/** --api, then REELFORGE_API_URL, then the local default. */
export function apiUrl(flag: string | undefined): string {
  return flag ?? process.env.REELFORGE_API_URL ?? 'http://127.0.0.1:8080';
}

export async function signedIn(flag: string | undefined): Promise<Reelforge> {
  const config = await readConfig();
  if (!config.token) throw new UsageError('not signed in: run ./reelforge login --email E --password-stdin', 4);
  return createReelforge({ baseUrl: apiUrl(flag), token: config.token });
}

/** A refusal before any request, with its exit code. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
