// The API commands of ./reelforge: register, login, videos, show, delete (upload is in upload.command.ts).
import { parseArgs } from 'node:util';
import { createReelforge, unwrap, type Video } from '@reelforge/client';
import { apiUrl, signedIn, UsageError, updateConfig } from './cli.config.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `login` and `register`: the password comes on stdin, never in argv (where `ps` shows it). */
export async function authCommand(kind: 'login' | 'register', argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { email: { type: 'string' }, 'password-stdin': { type: 'boolean' }, api: { type: 'string' } },
  });
  if (!values.email || !values['password-stdin']) {
    throw new UsageError(`usage: ./reelforge ${kind} --email E --password-stdin`);
  }
  const password = await readStdin();
  const rf = createReelforge({ baseUrl: apiUrl(values.api) });
  const body = { email: values.email, password };
  const { token } = await unwrap(
    kind === 'login' ? rf.api.POST('/v1/auth/login', { body }) : rf.api.POST('/v1/auth/register', { body }),
  );
  await updateConfig((c) => {
    c.token = token;
    c.apiUrl = apiUrl(values.api);
  });
  process.stderr.write(`signed in as ${values.email}\n`);
  return 0;
}

export function describeVideo(v: Video): string {
  const lines = [`${v.id}  ${v.status}${v.status === 'processing' ? ` ${v.progressPct}%` : ''}  ${v.title}`];
  if (v.error) lines.push(`  error: ${v.error.code}: ${v.error.message}`);
  if (v.hls) lines.push(`  hls: ${v.hls}`);
  for (const r of v.renditions ?? []) lines.push(`  mp4 ${r.name}: ${r.mp4}`);
  if (v.poster) lines.push(`  poster: ${v.poster}`);
  return `${lines.join('\n')}\n`;
}

export async function videosCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { api: { type: 'string' }, json: { type: 'boolean' } } });
  const rf = await signedIn(values.api);
  const items: Video[] = [];
  let cursor: string | undefined;
  do {
    const page = await unwrap(rf.api.GET('/v1/videos', { params: { query: { limit: 100, cursor } } }));
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  if (values.json) process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
  else for (const v of items) process.stdout.write(`${v.id}  ${v.status.padEnd(15)} ${v.title}\n`);
  return 0;
}

export async function showCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { api: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('usage: ./reelforge show ID [--json]');
  const rf = await signedIn(values.api);
  const video = await unwrap(rf.api.GET('/v1/videos/{id}', { params: { path: { id: positionals[0] as string } } }));
  process.stdout.write(values.json ? `${JSON.stringify(video, null, 2)}\n` : describeVideo(video));
  return 0;
}

export async function deleteCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { api: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('usage: ./reelforge delete ID');
  const rf = await signedIn(values.api);
  await unwrap(rf.api.DELETE('/v1/videos/{id}', { params: { path: { id: positionals[0] as string } } }));
  process.stderr.write(`deleted ${positionals[0]}\n`);
  return 0;
}
