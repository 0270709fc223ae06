// Starts the dispatcher with the launcher its env names, and stops it in order on SIGTERM.
import { loadEnv } from '@reelforge/config';
import { createLogger, onShutdown } from '@reelforge/observability';
import { startDispatcher } from './dispatcher.app.js';
import { dispatcherEnv } from './env.js';
import { createLauncher } from './launcher.factory.js';

const env = loadEnv(dispatcherEnv);
const logger = createLogger({ service: 'dispatcher', level: env.LOG_LEVEL });
const dispatcher = await startDispatcher({ env, logger, launcher: createLauncher(env, logger) });
onShutdown(logger, dispatcher.shutdownSteps, { timeoutMs: env.SHUTDOWN_GRACE_MS });
