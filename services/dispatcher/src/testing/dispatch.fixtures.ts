// Shared by the dispatcher's integration tests: a migrated database of their own, uploaded videos with their
// `video.uploaded` message, and a launcher double whose tasks the test controls.
import { randomBytes } from 'node:crypto';
import type { VideoUploadedV1 } from '@reelforge/contracts';
import {
  createDb,
  type Database,
  JobRepository,
  type Kysely,
  migrateToLatest,
  OutboxRepository,
  PartRepository,
  UserRepository,
  VideoRepository,
} from '@reelforge/db';
import { createTestDatabase, uniqueName } from '@reelforge/testkit';
import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';
import { ChunkService } from '../chunk.service.js';
import { DispatchService } from '../dispatch.service.js';
import { type DispatcherMetrics, dispatcherMetrics } from '../dispatcher.metrics.js';
import type { DeadlinePolicy } from '../job.deadline.js';
import { LaunchSlots } from '../launch.slots.js';
import type { ReapGrace } from '../reap.verdict.js';
import { ReaperService } from '../reaper.service.js';
import { RunningJobsQuery } from '../running-jobs.query.js';
import type { LaunchedTask, LaunchRequest, TaskLauncher, TaskStatus } from '../task.launcher.js';

export interface TestDb {
  /** For a dispatcher of its own (startDispatcher) on this database. */
  url: string;
  db: Kysely<Database>;
  videos: VideoRepository;
  jobs: JobRepository;
  outbox: OutboxRepository;
  parts: PartRepository;
  ownerId: string;
  close(): Promise<void>;
}

export async function openTestDb(poolSize = 8): Promise<TestDb> {
  const testDb = await createTestDatabase();
  const db = createDb({ url: testDb.url, poolSize });
  await migrateToLatest(db);
  const ownerId = (await new UserRepository(db).create({ email: `${uniqueName('u')}@example.com`, passwordHash: 'h' }))
    .id;
  return {
    url: testDb.url,
    db,
    videos: new VideoRepository(db),
    jobs: new JobRepository(db),
    outbox: new OutboxRepository(db),
    parts: new PartRepository(db),
    ownerId,
    close: async () => {
      await db.destroy();
      await testDb.drop();
    },
  };
}

/** A stored upload, as upload-api leaves it: the video `uploaded` and the message its outbox row carries. */
export async function uploadedVideo(t: TestDb, rawBucket = 'raw'): Promise<VideoUploadedV1> {
  const sha256 = randomBytes(32).toString('hex');
  const video = await t.db.transaction().execute((tx) =>
    t.videos.create(tx, {
      ownerId: t.ownerId,
      title: 'clip',
      status: 'uploaded',
      sourceBucket: rawBucket,
      sourceKey: `sources/${uniqueName('v')}/original`,
      sourceBytes: 1000,
      sourceSha256: sha256,
      contentType: 'video/mp4',
    }),
  );
  return {
    version: 1,
    videoId: video.id,
    attempt: 1,
    source: { bucket: rawBucket, key: video.sourceKey ?? '' },
    bytes: 1000,
    sha256,
    contentType: 'video/mp4',
    ownerId: t.ownerId,
    uploadedAt: video.createdAt.toISOString(),
  };
}

/** The outbox rows of one topic, payloads parsed. */
export async function outboxMessages(t: TestDb, topic: string): Promise<Record<string, unknown>[]> {
  const rows = await t.db.selectFrom('outbox').select('payload').where('topic', '=', topic).orderBy('id').execute();
  return rows.map((r) => JSON.parse(r.payload) as Record<string, unknown>);
}

export const quietLogger = (): Logger => pino({ level: 'silent' });

/** A logger whose lines the test can read. */
export function recordingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { logger: pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l)) }), lines };
}

/** A launcher double: counts launches, can fail them, and lets the test end tasks and set their status. */
export class RecordingLauncher implements TaskLauncher {
  readonly kind = 'local' as const;
  readonly launched: LaunchRequest[] = [];
  readonly stopped: string[] = [];
  readonly statuses = new Map<string, TaskStatus>();
  failWith: Error | null = null;
  /** Makes each launch take this long (to hold a claim open while another replica tries). */
  delayMs = 0;
  /** When set, tasks report `ended` and hold their slot until end(taskId). */
  trackEnds = false;
  private readonly enders = new Map<string, () => void>();

  /** Task ids are unique per launcher, as a real one's are: tests share one database. */
  constructor(private readonly prefix = `${uniqueName('l')}-`) {}

  async launch(request: LaunchRequest): Promise<LaunchedTask> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failWith) throw this.failWith;
    this.launched.push(request);
    const taskId = `${this.prefix}task-${this.launched.length}`;
    this.statuses.set(taskId, { state: 'running' });
    if (!this.trackEnds) return { taskId };
    return { taskId, ended: new Promise<void>((resolve) => this.enders.set(taskId, resolve)) };
  }

  end(
    taskId: string,
    status: TaskStatus = { state: 'stopped', exitCode: 0, reason: 'exited with code 0', stoppedAt: new Date() },
  ) {
    this.statuses.set(taskId, status);
    this.enders.get(taskId)?.();
  }

  async describe(taskIds: readonly string[]): Promise<Map<string, TaskStatus>> {
    return new Map(taskIds.map((id): [string, TaskStatus] => [id, this.statuses.get(id) ?? { state: 'unknown' }]));
  }

  async stop(taskId: string): Promise<void> {
    this.stopped.push(taskId);
    this.end(taskId, { state: 'stopped', exitCode: null, reason: 'killed by SIGTERM', stoppedAt: new Date() });
  }

  async close(): Promise<void> {}
}

export const farDeadline: DeadlinePolicy = { factor: 3, startupSec: 600, defaultDurationSec: 3600 };

export interface ServiceOptions {
  launcher: TaskLauncher;
  slots?: LaunchSlots;
  deadline?: DeadlinePolicy;
  recoverAfterSec?: number;
  /** The global cap on tasks in flight; none by default. */
  maxRunningTasks?: number;
  logger?: Logger;
  metrics?: DispatcherMetrics;
  /** Launches of one part of a chunked job; 3 by default. */
  maxPartAttempts?: number;
}

export function dispatchService(t: TestDb, opts: ServiceOptions): DispatchService {
  return new DispatchService({
    db: t.db,
    videos: t.videos,
    jobs: t.jobs,
    outbox: t.outbox,
    launcher: opts.launcher,
    slots: opts.slots ?? new LaunchSlots(Number.POSITIVE_INFINITY),
    metrics: opts.metrics ?? dispatcherMetrics(new Registry()),
    logger: opts.logger ?? quietLogger(),
    processedBucket: 'processed',
    deadline: opts.deadline ?? farDeadline,
    recoverAfterSec: opts.recoverAfterSec ?? 60,
    maxRunningTasks: opts.maxRunningTasks ?? Number.POSITIVE_INFINITY,
    capacityWait: { baseMs: 200, capMs: 1000 },
    chunking: { thresholdSec: 300, chunkSec: 60, maxChunks: 64 },
  });
}

export function chunkService(t: TestDb, opts: ServiceOptions): ChunkService {
  return new ChunkService({
    db: t.db,
    videos: t.videos,
    jobs: t.jobs,
    parts: t.parts,
    outbox: t.outbox,
    launcher: opts.launcher,
    slots: opts.slots ?? new LaunchSlots(Number.POSITIVE_INFINITY),
    metrics: opts.metrics ?? dispatcherMetrics(new Registry()),
    logger: opts.logger ?? quietLogger(),
    processedBucket: 'processed',
    deadline: opts.deadline ?? farDeadline,
    recoverAfterSec: opts.recoverAfterSec ?? 60,
    maxRunningTasks: opts.maxRunningTasks ?? Number.POSITIVE_INFINITY,
    capacityWait: { baseMs: 200, capMs: 1000 },
    maxPartAttempts: opts.maxPartAttempts ?? 3,
  });
}

export const defaultGrace: ReapGrace = { stoppedMs: 30_000, succeededMs: 300_000 };

export function reaperService(
  t: TestDb,
  opts: ServiceOptions & { grace?: ReapGrace; batchSize?: number; chunks?: ChunkService },
): ReaperService {
  const metrics = opts.metrics ?? dispatcherMetrics(new Registry());
  return new ReaperService({
    db: t.db,
    jobs: t.jobs,
    outbox: t.outbox,
    running: new RunningJobsQuery(t.db),
    launcher: opts.launcher,
    metrics,
    logger: opts.logger ?? quietLogger(),
    grace: opts.grace ?? defaultGrace,
    batchSize: opts.batchSize ?? 100,
    parts: t.parts,
    chunks: opts.chunks ?? chunkService(t, { ...opts, metrics }),
  });
}
