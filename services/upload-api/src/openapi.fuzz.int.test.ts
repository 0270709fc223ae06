// Schemathesis against the running API: every operation the served /openapi.json names (so routes added later are
// held to it too), with all checks, in its coverage, fuzzing and stateful phases, on a fixed seed. The spec and the
// server must agree: 0 failures.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, register, startHarness } from './api.harness.js';

/** Installed with the local stack (infra/local's installer), named in its env file. */
const bin = process.env.SCHEMATHESIS_BIN;

let h: Harness;
let base: string;
let token: string;

beforeAll(async () => {
  // Limits high enough that the fuzzer's volume is not what it measures; the limits have their own tests.
  h = await startHarness({
    rateLimit: { windowSec: 60, ipMax: 1_000_000, userMax: 1_000_000, authMax: 1_000_000 },
    quotas: {
      streamingUploads: 4,
      openDirectUploads: 1_000_000,
      unfinishedVideos: 1_000_000,
      dailyUploadBytes: 1024 ** 5,
    },
  });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  ({ token } = await register(h.app, 'fuzz@example.com'));
});
afterAll(async () => h?.close());

it('agrees with its OpenAPI document under schemathesis', { timeout: 600_000 }, async () => {
  expect(
    bin,
    'SCHEMATHESIS_BIN is not set: run `./reelforge up` to install it and write .reelforge/local.env',
  ).toBeTruthy();
  const reports = await mkdtemp(join(tmpdir(), 'rf-schemathesis-'));
  const result = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      bin as string,
      [
        '--config-file',
        fileURLToPath(new URL('../schemathesis.toml', import.meta.url)),
        '--no-color',
        'run',
        `${base}/openapi.json`,
        '--url',
        base,
        '--checks',
        'all',
        '--phases',
        'examples,coverage,fuzzing,stateful',
        '--seed',
        '1',
        '--max-examples',
        process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '15',
        // One worker: hypothesis on Python 3.11 is not thread-safe when it compiles its strategies.
        '--workers',
        '1',
        '--header',
        `Authorization: Bearer ${token}`,
        '--report',
        'ndjson',
        '--report-dir',
        reports,
      ],
      // Its cache (.schemathesis/) goes beside the reports, not into the worktree.
      { cwd: reports, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false' } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}\n${stderr}` }),
    );
  });
  expect(result.output.length, 'schemathesis printed nothing').toBeGreaterThan(0);
  // The whole report on failure: each failing case with its curl reproduction.
  expect(result.code, result.output).toBe(0);
});
