// Wires the web server: env, the app; closes with grace on SIGTERM.
import { fileURLToPath } from 'node:url';
import { loadEnv } from '@reelforge/config';
import { createLogger, createRegistry, onShutdown } from '@reelforge/observability';
import { buildApp } from './app.js';
import { webEnv } from './env.js';

const env = loadEnv(webEnv);
const logger = createLogger({ service: 'web', level: env.LOG_LEVEL });
const app = await buildApp({
  apiUrl: env.API_URL,
  eventsUrl: env.EVENTS_URL,
  staticDir: env.STATIC_DIR ?? fileURLToPath(new URL('../public', import.meta.url)),
  registry: createRegistry('web'),
  logger,
});
await app.listen({ port: env.PORT, host: env.HOST });
logger.info({ port: env.PORT }, 'web started');

// Proxied requests in flight (an upload's complete, an event stream) get the grace to finish.
onShutdown(logger, [() => app.close()], { timeoutMs: env.SHUTDOWN_GRACE_MS });
