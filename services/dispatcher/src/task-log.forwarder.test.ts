import { describe, expect, it } from 'vitest';
import { parseTaskLine } from './task-log.forwarder.js';

describe('parseTaskLine', () => {
  it('keeps a pino line’s level and message and nests its own fields', () => {
    const line = JSON.stringify({
      level: 50,
      time: 1,
      pid: 7,
      hostname: 'h',
      service: 'transcoder',
      videoId: 'v',
      attempt: 1,
      code: 'NO_VIDEO_STREAM',
      msg: 'transcode failed',
    });
    expect(parseTaskLine(line, 'stdout')).toEqual({
      level: 'error',
      msg: 'transcode failed',
      fields: { code: 'NO_VIDEO_STREAM' },
    });
  });

  it('maps pino’s numeric levels, rounding custom ones down', () => {
    const level = (n: number) => parseTaskLine(JSON.stringify({ level: n, msg: 'm' }), 'stdout')?.level;
    expect([level(10), level(20), level(30), level(35), level(40), level(60)]).toEqual([
      'trace',
      'debug',
      'info',
      'info',
      'warn',
      'fatal',
    ]);
  });

  it('keeps other text as it is: info from stdout, warn from stderr', () => {
    expect(parseTaskLine('Error: Cannot find module', 'stderr')).toEqual({
      level: 'warn',
      msg: 'Error: Cannot find module',
      fields: { stream: 'stderr' },
    });
    expect(parseTaskLine('{not json', 'stdout')).toEqual({
      level: 'info',
      msg: '{not json',
      fields: { stream: 'stdout' },
    });
    expect(parseTaskLine('   ', 'stdout')).toBeNull();
  });
});
