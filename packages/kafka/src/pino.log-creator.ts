// Routes kafkajs's own log lines into the service's pino logger, so they are JSON with the service's fields.
import { type logCreator, logLevel } from 'kafkajs';
import type { Logger } from 'pino';

export type KafkaLogLevel = 'error' | 'warn' | 'info' | 'debug';

export const kafkaLogLevels: Record<KafkaLogLevel, logLevel> = {
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

export function pinoLogCreator(logger: Logger): logCreator {
  const base = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }) => {
      // kafkajs stamps its own timestamp and logger name; pino has both already.
      const { message, timestamp: _t, logger: _l, ...fields } = log;
      const bound = { namespace, ...fields };
      if (level === logLevel.ERROR) base.error(bound, message);
      else if (level === logLevel.WARN) base.warn(bound, message);
      else if (level === logLevel.INFO) base.info(bound, message);
      else base.debug(bound, message);
    };
}
