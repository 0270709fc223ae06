// The Reelforge services `./reelforge up` runs on top of the stack, and the set-up they need first
// (schema migrations, topics). A service whose build output is missing is skipped.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureTopics, kafkaFromEnv } from '@reelforge/kafka';
import { ROOT } from './stack.config.js';

export interface ServiceSpec {
  name: string;
  /** Built entry point, relative to the repo root. */
  entry: string;
  /** Where /healthz answers. */
  port: number;
  portVar: string;
  url: string;
  env: Record<string, string>;
}

/** Signs private videos' playback URLs; the playback edge verifies with the same. Local-only, like JWT_SECRET. */
export const LOCAL_PLAYBACK_SECRET = 'reelforge-local-playback-secret-0123456789';

/** Signs playback session tokens in upload-api; events-ingest verifies with the same. Local-only too. */
export const LOCAL_SESSION_SECRET = 'reelforge-local-session-secret-0123456789';

/** Loopback only: what `./reelforge up` lets webhooks reach beyond public addresses. */
export const LOCAL_WEBHOOK_TARGETS = '127.0.0.0/8,::1/128';

type SetupStep = (env: Record<string, string>, log: (s: string) => void) => Promise<void>;

const port = (name: string, fallback: number) => Number.parseInt(process.env[name] ?? String(fallback), 10);

const ports = {
  api: port('PORT', 8080),
  ingest: port('REELFORGE_EVENTS_PORT', 8081),
  dispatcher: port('REELFORGE_DISPATCHER_OPS_PORT', 9401),
  completion: port('REELFORGE_COMPLETION_OPS_PORT', 9402),
  lake: port('REELFORGE_LAKE_OPS_PORT', 9403),
  engagementMetrics: port('REELFORGE_ENGAGEMENT_METRICS_OPS_PORT', 9405),
  recommender: port('REELFORGE_RECOMMENDER_OPS_PORT', 9406),
  edge: port('REELFORGE_EDGE_PORT', 8090),
  notifier: port('REELFORGE_NOTIFIER_OPS_PORT', 9404),
  web: port('REELFORGE_WEB_PORT', 3000),
};

const service = (name: string, entry: string, p: number, portVar: string, env: Record<string, string>) => ({
  name,
  entry,
  port: p,
  portVar,
  url: `http://127.0.0.1:${p}`,
  env,
});

export const services: { list: ServiceSpec[]; setup: SetupStep[] } = {
  list: [
    service('upload-api', 'services/upload-api/dist/main.js', ports.api, 'PORT', {
      PORT: String(ports.api),
      HOST: '127.0.0.1',
      // A local-only secret: the stack is on loopback and its data is throwaway.
      JWT_SECRET: 'reelforge-local-development-secret-0123456789',
      PLAYBACK_TOKEN_SECRETS: LOCAL_PLAYBACK_SECRET,
      PLAYBACK_SESSION_SECRETS: LOCAL_SESSION_SECRET,
      // The playback edge stands in for the CDN: HLS masters play locally (their playlists and segments are relative
      // paths, which presigned links cannot carry) while the store itself refuses unsigned reads.
      CDN_BASE_URL: `http://127.0.0.1:${ports.edge}`,
      // Webhook receivers on the developer's machine; production refuses every non-public address.
      WEBHOOK_ALLOW_PRIVATE_TARGETS: LOCAL_WEBHOOK_TARGETS,
    }),
    service('playback-edge', 'services/playback-edge/dist/main.js', ports.edge, 'REELFORGE_EDGE_PORT', {
      PORT: String(ports.edge),
      HOST: '127.0.0.1',
      PLAYBACK_TOKEN_SECRETS: LOCAL_PLAYBACK_SECRET,
    }),
    service('dispatcher', 'services/dispatcher/dist/main.js', ports.dispatcher, 'REELFORGE_DISPATCHER_OPS_PORT', {
      OPS_PORT: String(ports.dispatcher),
    }),
    service('completion', 'services/completion/dist/main.js', ports.completion, 'REELFORGE_COMPLETION_OPS_PORT', {
      OPS_PORT: String(ports.completion),
    }),
    service('events-ingest', 'services/events-ingest/dist/main.js', ports.ingest, 'REELFORGE_EVENTS_PORT', {
      PORT: String(ports.ingest),
      HOST: '127.0.0.1',
      PLAYBACK_SESSION_SECRETS: LOCAL_SESSION_SECRET,
    }),
    service('notifier', 'services/notifier/dist/main.js', ports.notifier, 'REELFORGE_NOTIFIER_OPS_PORT', {
      OPS_PORT: String(ports.notifier),
      WEBHOOK_ALLOW_PRIVATE_TARGETS: LOCAL_WEBHOOK_TARGETS,
      API_BASE_URL: `http://127.0.0.1:${ports.api}`,
      CDN_BASE_URL: `http://127.0.0.1:${ports.edge}`,
    }),
    service('events-lake', 'services/events-lake/dist/main.js', ports.lake, 'REELFORGE_LAKE_OPS_PORT', {
      OPS_PORT: String(ports.lake),
    }),
    // The web app: its built files, and /v1 proxied to the API and the ingest, so the browser sees one origin.
    service('web', 'apps/web/dist/server/main.js', ports.web, 'REELFORGE_WEB_PORT', {
      PORT: String(ports.web),
      HOST: '127.0.0.1',
      API_URL: `http://127.0.0.1:${ports.api}`,
      EVENTS_URL: `http://127.0.0.1:${ports.ingest}`,
    }),
    service(
      'engagement-metrics',
      'services/engagement-metrics/dist/main.js',
      ports.engagementMetrics,
      'REELFORGE_ENGAGEMENT_METRICS_OPS_PORT',
      { OPS_PORT: String(ports.engagementMetrics) },
    ),
    service('recommender', 'services/recommender/dist/main.js', ports.recommender, 'REELFORGE_RECOMMENDER_OPS_PORT', {
      OPS_PORT: String(ports.recommender),
      // Locally a new like shows in For You within minutes, not the hour a production build waits.
      BUILD_INTERVAL_SEC: '300',
    }),
  ],
  setup: [
    async (env, log) => {
      log('migrating the database');
      const r = spawnSync(process.execPath, [join(ROOT, 'packages/db/dist/migrate.js'), 'up'], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`migrations failed:\n${r.stderr || r.stdout}`);
    },
    async (env) => {
      const kafka = kafkaFromEnv({
        KAFKA_BROKERS: (env.KAFKA_BROKERS ?? '').split(','),
        KAFKA_CLIENT_ID: 'reelforge-cli',
        KAFKA_SSL: false,
        KAFKA_SASL: 'none',
      });
      await ensureTopics(kafka, { partitions: 6, replicationFactor: 1 });
    },
  ],
};
