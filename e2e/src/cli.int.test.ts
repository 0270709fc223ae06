// The ./reelforge API commands as a user runs them: the real CLI (infra/local/dist/main.js) as a child process against
// the real services, its token in a temporary XDG_CONFIG_HOME. An upload killed mid-way finishes with --resume and
// sends only the parts storage lacks (counted from the CLI's own fetches); output on a pipe is plain lines.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Video } from '@reelforge/client';
import { uniqueName } from '@reelforge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigClip, videoClip } from './media.clips.js';
import { Pipeline } from './pipeline.stack.js';
import { repoRoot } from './service.process.js';

const cliEntry = join(repoRoot, 'infra/local/dist/main.js');
const recorder = join(repoRoot, 'e2e/src/fetch-recorder.preload.mjs');
const ANSI = '\x1b[';

let pipeline: Pipeline;
let dir: string;
let configHome: string;
const email = `${uniqueName('cli')}@example.com`;
const password = 'a long enough password';

beforeAll(async () => {
  pipeline = await Pipeline.create();
  await Promise.all(
    (['upload-api', 'dispatcher', 'completion', 'playback-edge'] as const).map((s) => pipeline.start(s)),
  );
  dir = await mkdtemp(join(tmpdir(), 'rf-cli-'));
  configHome = join(dir, 'config');
});

afterAll(() => pipeline?.close());

interface Run {
  child: ChildProcess;
  stderrLines: string[];
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `./reelforge ARGS` the way the bash wrapper does (node on dist/main.js); stdout and stderr are pipes. */
function start(args: string[], opts: { stdin?: string; fetchLog?: string; configHome?: string } = {}): Run {
  const child = spawn(process.execPath, [...(opts.fetchLog ? ['--import', recorder] : []), cliEntry, ...args], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      REELFORGE_API_URL: pipeline.apiUrl,
      XDG_CONFIG_HOME: opts.configHome ?? configHome,
      ...(opts.fetchLog && { FETCH_LOG: opts.fetchLog }),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(opts.stdin ?? '');
  let stdout = '';
  let stderr = '';
  const stderrLines: string[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    stderrLines.push(...d.toString().split('\n').filter(Boolean));
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    },
  );
  return { child, stderrLines, done };
}

const cli = (args: string[], opts: Parameters<typeof start>[1] = {}) => start(args, opts).done;

const config = async () =>
  JSON.parse(await readFile(join(configHome, 'reelforge', 'config.json'), 'utf8')) as {
    token?: string;
    uploads?: Record<string, { id: string }>;
  };

async function fetchLog(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

/** Part numbers of the PUTs a CLI run sent to storage (presigned part URLs carry `partNumber`), in order. */
async function partPuts(path: string): Promise<number[]> {
  return (await fetchLog(path))
    .filter((l) => l.startsWith('PUT '))
    .map((l) => Number(new URL(l.slice(4)).searchParams.get('partNumber')))
    .sort((a, b) => a - b);
}

interface UploadState {
  partCount: number;
  uploadedParts: { partNumber: number; bytes: number }[];
  missingParts: { partNumber: number }[];
}

describe('./reelforge API commands', () => {
  it('registers and logs in with the password on stdin, keeping the token for its owner only', async () => {
    const registered = await cli(['register', '--email', email, '--password-stdin'], { stdin: `${password}\n` });
    expect(registered).toMatchObject({ code: 0, stdout: '' });
    expect(registered.stderr).toBe(`signed in as ${email}\n`);
    const first = (await config()).token;
    expect(first).toMatch(/^ey/);

    const loggedIn = await cli(['login', '--email', email, '--password-stdin'], { stdin: `${password}\n` });
    expect(loggedIn).toMatchObject({ code: 0, stderr: `signed in as ${email}\n` });
    expect((await config()).token).toMatch(/^ey/);
    expect((await stat(join(configHome, 'reelforge', 'config.json'))).mode & 0o777).toBe(0o600);

    const refused = await cli(['login', '--email', email, '--password-stdin'], { stdin: 'not the password\n' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^reelforge: UNAUTHORIZED: /);
    expect(refused.stderr).not.toContain(ANSI);
  });

  it('uploads with --wait --json: a ready video whose HLS master plays through the edge; plain progress lines', async () => {
    const clip = join(dir, 'clip.mp4');
    await writeFile(clip, await videoClip({ width: 320, height: 240, seconds: 2 }));
    const run = await cli(['upload', clip, '--title', 'My clip', '--wait', '--json']);
    expect(run.code).toBe(0);
    const video = JSON.parse(run.stdout) as Video;
    expect(video).toMatchObject({ title: 'My clip', status: 'ready', progressPct: 100 });
    // The owner's read, with what the transcode cost.
    expect(video.compute?.taskSeconds).toBeGreaterThan(0);

    const master = await fetch(video.hls as string);
    expect(master.status).toBe(200);
    expect(await master.text()).toContain('#EXTM3U');

    // On a pipe: lines, no bars or colours, ending with the whole file sent and the transcode done.
    expect(run.stderr).not.toContain(ANSI);
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(lines.every((l) => /^(upload|transcode): \d+%/.test(l))).toBe(true);
    expect(lines.filter((l) => l.startsWith('upload: ')).at(-1)).toMatch(/^upload: 100% /);
    expect(lines.at(-1)).toBe('transcode: 100% ready');

    const listed = await cli(['videos']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${video.id}  ready`);
    expect(listed.stdout).toContain('My clip');

    const shown = await cli(['show', video.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout.split('\n')[0]).toBe(`${video.id}  ready  My clip`);
    expect(shown.stdout).toContain(`  hls: ${video.hls}\n`);

    const deleted = await cli(['delete', video.id]);
    expect(deleted).toMatchObject({ code: 0, stderr: `deleted ${video.id}\n` });

    // A refusal: the problem's code, the documented exit code 1, no colours on a pipe.
    const gone = await cli(['show', video.id]);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toBe('');
    expect(gone.stderr).toMatch(/^reelforge: NOT_FOUND: .+\n$/);
    expect(gone.stderr).not.toContain(ANSI);
    expect((await cli(['videos', '--json'])).stdout).not.toContain(video.id);
  });

  it('refuses API commands before login (exit 4) and bad usage (exit 2)', async () => {
    const fresh = join(dir, 'nobody');
    const anonymous = await cli(['videos'], { configHome: fresh });
    expect(anonymous).toMatchObject({ code: 4, stdout: '' });
    expect(anonymous.stderr).toMatch(/^not signed in/);
    expect((await cli(['show'])).code).toBe(2);
  });

  it('finishes an upload killed mid-way with --resume, sending only the parts storage lacks', async () => {
    const big = join(dir, 'big.mp4');
    await writeFile(big, await bigClip(6));

    // SIGKILL as soon as the CLI reports its first finished part: no handler runs, parts may be in flight.
    const firstLog = join(dir, 'first.log');
    const first = start(['upload', big, '--title', 'resumed'], { fetchLog: firstLog });
    await expect
      .poll(() => first.stderrLines.some((l) => /^upload: [1-9]\d*% /.test(l)), { timeout: 60_000, interval: 20 })
      .toBe(true);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');

    const uploadId = (await config()).uploads?.[big]?.id as string;
    expect(uploadId).toBeTruthy();
    // What storage holds after the kill, as the API reads it from S3. A PUT whose body had left before the kill may
    // still land after this, so the resume's own view is what its PUTs are checked against.
    const token = (await config()).token as string;
    const read = await fetch(`${pipeline.apiUrl}/v1/uploads/${uploadId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const before = (await read.json()) as UploadState;
    const held = before.uploadedParts.map((p) => p.partNumber);
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThan(before.partCount);
    expect(await partPuts(firstLog)).toEqual(expect.arrayContaining(held));

    const secondLog = join(dir, 'second.log');
    const resumed = await cli(['upload', big, '--resume', '--json'], { fetchLog: secondLog });
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id: uploadId, title: 'resumed' });

    const seen = (await fetchLog(secondLog)).find((l) =>
      l.startsWith(`JSON ${pipeline.apiUrl}/v1/uploads/${uploadId} `),
    );
    const atResume = JSON.parse((seen as string).split(' ').slice(2).join(' ')) as UploadState;
    const sent = await partPuts(secondLog);
    // Exactly the parts storage lacked when the resume asked: none of the finished ones again, each missing one once.
    expect(sent).toEqual(atResume.missingParts.map((p) => p.partNumber));
    expect(sent.some((n) => held.includes(n))).toBe(false);
    expect(atResume.uploadedParts.map((p) => p.partNumber)).toEqual(expect.arrayContaining(held));
    expect(sent.length + atResume.uploadedParts.length).toBe(before.partCount);
    // Its first line counts what storage already held.
    const heldBytes = atResume.uploadedParts.reduce((n, p) => n + p.bytes, 0);
    const firstLine = resumed.stderr.split('\n')[0] as string;
    expect(Number(/^upload: (\d+)%/.exec(firstLine)?.[1])).toBe(Math.floor((heldBytes / (await stat(big)).size) * 100));
    expect((await config()).uploads?.[big]).toBeUndefined();
  });
});
