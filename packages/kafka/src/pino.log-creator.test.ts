import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { pinoLogCreator } from './pino.log-creator.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: pino({ level: 'debug', base: { service: 'unit' } }, stream), lines };
}

describe('pinoLogCreator', () => {
  it('writes kafkajs entries at their level with their fields, without kafkajs own timestamp', () => {
    const { logger, lines } = capture();
    const log = pinoLogCreator(logger)(logLevel.DEBUG);
    log({
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: { timestamp: '2020-01-01T00:00:00.000Z', logger: 'kafkajs', message: 'Connection error', broker: 'b:9092' },
    });
    log({ namespace: 'Runner', level: logLevel.WARN, label: 'WARN', log: { timestamp: 't', message: 'rebalancing' } });
    expect(
      lines.map(({ level, msg, namespace, component, broker, timestamp, service }) => ({
        level,
        msg,
        namespace,
        component,
        broker,
        timestamp,
        service,
      })),
    ).toEqual([
      {
        level: 50,
        msg: 'Connection error',
        namespace: 'Connection',
        component: 'kafkajs',
        broker: 'b:9092',
        timestamp: undefined,
        service: 'unit',
      },
      {
        level: 40,
        msg: 'rebalancing',
        namespace: 'Runner',
        component: 'kafkajs',
        broker: undefined,
        timestamp: undefined,
        service: 'unit',
      },
    ]);
  });

  it('maps info and debug to pino info and debug', () => {
    const { logger, lines } = capture();
    const log = pinoLogCreator(logger)(logLevel.DEBUG);
    log({ namespace: 'a', level: logLevel.INFO, label: 'INFO', log: { timestamp: 't', message: 'i' } });
    log({ namespace: 'a', level: logLevel.DEBUG, label: 'DEBUG', log: { timestamp: 't', message: 'd' } });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'i'],
      [20, 'd'],
    ]);
  });
});
