// The built service with WORKERS=2 against the real Kafka: both workers take requests on the one port, /metrics
// counts for the whole replica whichever worker answers, a dead worker is replaced, and SIGTERM stops all of it.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { signPlaybackSession } from '@reelforge/storage/tokens';
import { createTestTopics, freePort, stackEnv } from '@reelforge/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const main = new URL('../dist/main.js', import.meta.url).pathname;
const video = '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11';

const SECRET = 'cluster-session-secret-0123456789-0123456789';
const token = signPlaybackSession(SECRET, {
  videoId: video,
  sessionId: 's-1',
  userId: 'u-1',
  viewerId: 'u-1',
  expiresAt: Math.floor(Date.now() / 1000) + 3600,
});

let primary: ChildProcess;
let port: number;
let output = '';

/** One request on its own connection, so the cluster hands each to a worker in turn. */
function call(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: body
          ? { 'content-type': 'application/json', authorization: `Bearer ${token}`, connection: 'close' }
          : { connection: 'close' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const workerPids = () =>
  execFileSync('ps', ['-o', 'pid=', '--ppid', String(primary.pid)], { encoding: 'utf8' })
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0)
    .sort();

const until = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> =>
  vi.waitFor(
    async () => {
      const value = await probe();
      if (value === undefined) throw new Error(`timed out waiting for ${what}; service output:\n${output}`);
      return value;
    },
    { timeout: 30_000, interval: 200 },
  );

const listening = () => output.match(/Server listening at/g)?.length ?? 0;

const accepted = (metrics: string) =>
  Number(/^reelforge_events_ingested_total\{[^}]*outcome="accepted"[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 'NaN');

const events = (from: number, count: number) =>
  JSON.stringify(
    Array.from({ length: count }, (_, i) => ({
      schema_version: 1,
      event_id: `cluster-${from + i}`,
      event_type: 'play',
      timestamp: '2026-03-01T10:00:00.000Z',
      user_id: 'u-1',
      device_id: `dev-${from + i}`,
      session_id: 's-1',
      content_id: video,
      position_sec: 1,
      client: { app: 'web', version: '1.0.0' },
    })),
  );

beforeAll(async () => {
  const env = await stackEnv();
  const { prefix } = await createTestTopics(['engagement.events'], 2);
  port = await freePort();
  primary = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH ?? '',
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: prefix,
      MYSQL_URL: env.MYSQL_URL,
      ENSURE_TOPICS: 'false',
      PORT: String(port),
      HOST: '127.0.0.1',
      WORKERS: '2',
      PLAYBACK_SESSION_SECRETS: SECRET,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  primary.stdout?.on('data', (d) => {
    output += d;
  });
  primary.stderr?.on('data', (d) => {
    output += d;
  });
  await until('two workers listening', () => (listening() === 2 ? true : undefined));
}, 60_000);

afterAll(() => {
  if (primary?.exitCode === null) primary.kill('SIGKILL');
});

describe('events-ingest with WORKERS=2', () => {
  it('shares the port between the workers and reports their sum on /metrics', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await call('POST', '/v1/events', events(i * 10, 10));
      expect(res.status).toBe(202);
    }
    // Every scrape, whichever worker takes it, counts the 60 events of both.
    for (let i = 0; i < 4; i++) {
      const res = await call('GET', '/metrics');
      expect(res.status).toBe(200);
      expect(accepted(res.text)).toBe(60);
      expect(res.text).toMatch(/^reelforge_events_ingest_workers\{[^}]*\} 2$/m);
    }
  });

  it('replaces a worker that dies and keeps serving', async () => {
    const before = workerPids();
    process.kill(before[0] as number, 'SIGKILL');
    const after = await until('a replacement worker', () => {
      const now = workerPids();
      return now.length === 2 && !now.includes(before[0] as number) ? now : undefined;
    });
    expect(after).toContain(before[1]);
    expect(output).toMatch(/worker died; starting another/);
    await until('the replacement to listen', () => (listening() === 3 ? true : undefined));
    // The dead worker's count went with it: what is left is the survivor's share, so both had taken requests.
    const share = accepted((await call('GET', '/metrics')).text);
    expect(share).toBeGreaterThan(0);
    expect(share).toBeLessThan(60);
    expect((await call('POST', '/v1/events', events(100, 5))).status).toBe(202);
  }, 40_000);

  it('stops every worker and exits 0 on SIGTERM', async () => {
    const workers = workerPids();
    const exited = new Promise<number | null>((resolve) => primary.once('exit', resolve));
    primary.kill('SIGTERM');
    expect(await exited, output).toBe(0);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
  }, 40_000);
});
