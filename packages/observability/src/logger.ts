// pino JSON to stdout; pretty only when a person is watching a terminal.
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(opts: { service: string; level?: string }): Logger {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  return pino({
    name: opts.service,
    level: opts.level ?? 'info',
    base: { service: opts.service },
    // Secrets never reach a log line, wherever a caller nests them.
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}
