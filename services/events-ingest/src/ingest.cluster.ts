// Runs the ingest as WORKERS processes sharing one port (node:cluster): one JavaScript thread tops out below
// 100k events/s, so a replica given several vCPUs needs a process per vCPU to use them. Threads were measured and
// lost (BENCHMARKS.md): every event would cross between heaps; here a request is handled whole by one process.
// The primary only forks, replaces crashed workers and gathers metrics: a scrape of /metrics lands on any worker,
// which asks the primary; the primary collects every serving worker's registry and sums them with prom-client's
// AggregatorRegistry, so a scrape reads the same whichever worker takes it.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry, Gauge, type Registry } from 'prom-client';

/** A worker asks the primary for the replica's metrics; the primary asks each serving worker for its own. */
const SCRAPE = 'reelforge:scrape';
const COLLECT = 'reelforge:collect';
const REPLY = 'reelforge:reply';
/** How long the primary waits for each worker's registry. */
const CALL_TIMEOUT_MS = 3_000;

/** A worker that dies this often within a minute means the next one will too: stop and let the orchestrator act. */
const CRASH_LIMIT = 5;
const CRASH_WINDOW_MS = 60_000;
const RESPAWN_DELAY_MS = 1_000;

interface Request {
  type: typeof SCRAPE | typeof COLLECT;
  id: number;
}
interface Reply {
  type: typeof REPLY;
  id: number;
  value?: unknown;
  error?: string;
}

/** Request/reply over a process's IPC channel, matched by id, each given up on after a timeout. */
class Calls {
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private next = 0;

  call<T>(send: (request: Request) => void, type: Request['type'], what: string, timeoutMs: number): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${what} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.error === undefined) resolve(reply.value as T);
        else reject(new Error(`${what}: ${reply.error}`));
      });
      send({ type, id });
    });
  }

  settle(message: unknown): void {
    const reply = message as Reply | undefined;
    if (reply?.type !== REPLY) return;
    const settle = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    settle?.(reply);
  }
}

const isRequest = (message: unknown, type: Request['type']): message is Request =>
  (message as Request | undefined)?.type === type;

/**
 * Sends over an IPC channel that may have just closed (its process dying): an unanswered call then times out,
 * where a send without a callback would raise an 'error' event nobody handles.
 */
const ignoreClosed = () => {};
const toWorker = (worker: Worker) => (message: Request | Reply) => {
  if (worker.isConnected()) worker.send(message, undefined, ignoreClosed);
};
const toPrimary = (message: Request | Reply) => {
  if (process.connected) process.send?.(message, undefined, undefined, ignoreClosed);
};

export interface PrimaryOptions {
  workers: number;
  /** The primary's own metrics, added to the workers': its process and how many workers serve. */
  registry: Registry;
  logger: Logger;
  /** How long workers get to finish their requests after SIGTERM before they are killed. */
  shutdownGraceMs: number;
}

export function runPrimary(opts: PrimaryOptions): void {
  const { logger } = opts;
  const calls = new Calls();
  // Only workers that listen are asked: one still starting has no one to answer yet.
  const serving = new Set<Worker>();
  new Gauge({
    name: 'reelforge_events_ingest_workers',
    help: 'Worker processes of this replica that are listening',
    registers: [opts.registry],
    collect() {
      this.set(serving.size);
    },
  });
  const crashes: number[] = [];
  let stopping = false;
  let failed = false;

  const fork = () => cluster.fork();
  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);

  const stop = (signal: NodeJS.Signals | 'crash-loop') => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: live().length }, 'stopping workers');
    for (const worker of live()) worker.process.kill('SIGTERM');
    // Each worker keeps its own deadline; this one only covers a worker that ignores SIGTERM.
    setTimeout(() => {
      for (const worker of live()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, opts.shutdownGraceMs + 5_000).unref();
    if (live().length === 0) process.exit(failed ? 1 : 0);
  };

  const collect = async (): Promise<string> => {
    const parts = await Promise.all([
      opts.registry.getMetricsAsJSON(),
      ...[...serving].map((w) => calls.call<object>(toWorker(w), COLLECT, `worker ${w.process.pid}`, CALL_TIMEOUT_MS)),
    ]);
    return AggregatorRegistry.aggregate(parts).metrics();
  };

  cluster.on('listening', (worker) => serving.add(worker));
  cluster.on('message', (worker, message: unknown) => {
    calls.settle(message);
    if (!isRequest(message, SCRAPE)) return;
    collect().then(
      (value) => toWorker(worker)({ type: REPLY, id: message.id, value }),
      (err: Error) => toWorker(worker)({ type: REPLY, id: message.id, error: err.message }),
    );
  });

  cluster.on('exit', (worker, code, signal) => {
    serving.delete(worker);
    if (stopping) {
      // A worker still starting has no handler yet and dies of the SIGTERM itself, with nothing in flight.
      if (code !== 0 && signal !== 'SIGTERM') failed = true;
      if (live().length === 0) process.exit(failed ? 1 : 0);
      return;
    }
    const now = Date.now();
    crashes.push(now);
    while ((crashes[0] as number) < now - CRASH_WINDOW_MS) crashes.shift();
    if (crashes.length >= CRASH_LIMIT) {
      logger.fatal({ pid: worker.process.pid, code, signal, crashes: crashes.length }, 'workers keep dying; stopping');
      failed = true;
      stop('crash-loop');
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    setTimeout(() => {
      if (!stopping) fork();
    }, RESPAWN_DELAY_MS);
  });

  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  for (let i = 0; i < opts.workers; i++) fork();
  logger.info({ workers: opts.workers }, 'started workers');
}

/**
 * What /metrics serves: this process's registry, or in a cluster worker the sum over every worker of the
 * replica, gathered by the primary.
 */
export function metricsOf(registry: Registry): () => Promise<string> {
  if (!cluster.isWorker) return () => registry.metrics();
  const calls = new Calls();
  process.on('message', (message: unknown) => {
    calls.settle(message);
    if (!isRequest(message, COLLECT)) return;
    registry.getMetricsAsJSON().then(
      (value) => toPrimary({ type: REPLY, id: message.id, value }),
      (err: Error) => toPrimary({ type: REPLY, id: message.id, error: err.message }),
    );
  });
  // Longer than the primary gives each worker, so a silent worker is reported by name rather than as a timeout here.
  return () => calls.call<string>(toPrimary, SCRAPE, 'the cluster primary', 2 * CALL_TIMEOUT_MS);
}
