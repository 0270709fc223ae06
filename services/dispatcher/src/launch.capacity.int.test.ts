// The global cap on tasks in flight against a real MySQL: two dispatcher replicas handling a burst at once never have
// more jobs launching or running than the cap; the rest wait pending and are launched as tasks end, each with a
// deadline counted from its launch rather than from its creation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DispatchOutcome } from './dispatch.service.js';
import {
  dispatchService,
  openTestDb,
  RecordingLauncher,
  type TestDb,
  uploadedVideo,
} from './testing/dispatch.fixtures.js';

let t: TestDb;
beforeAll(async () => {
  // One database per file: the cap counts every job in it.
  t = await openTestDb();
});
afterAll(() => t?.close());

const inFlight = async () =>
  Number(
    (
      await t.db
        .selectFrom('transcodeJobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', 'in', ['launching', 'running'])
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('the global cap on tasks in flight', () => {
  it('is never exceeded by two replicas at once; waiting jobs launch as tasks end, deadlines counted from then', async () => {
    const cap = 3;
    const launcher = new RecordingLauncher();
    // A slow launch keeps claims open while the other replica claims too.
    launcher.delayMs = 30;
    const replicas = [0, 1].map(() => dispatchService(t, { launcher, maxRunningTasks: cap, recoverAfterSec: 3600 }));
    const messages = await Promise.all(Array.from({ length: 10 }, () => uploadedVideo(t)));

    const outcomes: DispatchOutcome[] = await Promise.all(
      messages.map((m, i) => (replicas[i % 2] as (typeof replicas)[number]).handleUploaded(m)),
    );

    expect(outcomes.filter((o) => o.result === 'launched')).toHaveLength(cap);
    expect(outcomes.filter((o) => o.result === 'waiting')).toHaveLength(messages.length - cap);
    expect(launcher.launched).toHaveLength(cap);
    expect(await inFlight()).toBe(cap);
    const waiting = await t.db.selectFrom('transcodeJobs').selectAll().where('status', '=', 'pending').execute();
    expect(waiting).toHaveLength(messages.length - cap);
    expect(waiting.every((j) => j.launchAfter !== null && j.launchToken === null)).toBe(true);

    // Nothing frees: a recovery pass of either replica launches nothing.
    expect(await Promise.all(replicas.map((r) => r.recoverOnce()))).toEqual([0, 0]);

    // Two tasks end; their slots go to two waiting jobs, one launch each across both replicas.
    const running = await t.db.selectFrom('transcodeJobs').selectAll().where('status', '=', 'running').execute();
    for (const job of running.slice(0, 2)) await t.jobs.markFinished(job.id, 'succeeded');
    // The waiting jobs were created long ago, as far as their deadlines go.
    const stale = new Date(Date.now() - 60_000);
    await t.db.updateTable('transcodeJobs').set({ deadlineAt: stale }).where('status', '=', 'pending').execute();
    const beforeClaim = Date.now();
    const relaunched = await Promise.all(replicas.map((r) => r.recoverOnce()));
    expect(relaunched.reduce((a, b) => a + b, 0)).toBe(2);
    expect(launcher.launched).toHaveLength(cap + 2);
    expect(await inFlight()).toBe(cap);
    expect(new Set(launcher.launched.map((l) => l.jobId)).size).toBe(cap + 2);

    const fresh = await t.db
      .selectFrom('transcodeJobs')
      .selectAll()
      .where(
        'id',
        'in',
        launcher.launched.slice(cap).map((l) => l.jobId),
      )
      .execute();
    // farDeadline: 3600 s assumed × 3 + 600 s, from the claim.
    for (const job of fresh) {
      expect(job.status).toBe('running');
      expect(job.launchAfter).toBeNull();
      expect(job.deadlineAt.getTime()).toBeGreaterThanOrEqual(beforeClaim + (3600 * 3 + 600) * 1000 - 1000);
    }
    // The waiting ones are launched oldest first, and none twice.
    expect(await t.db.selectFrom('transcodeJobs').select('id').where('status', '=', 'pending').execute()).toHaveLength(
      messages.length - cap - 2,
    );
  });
});
