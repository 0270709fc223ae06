// A local task's stdout/stderr lines re-logged by the dispatcher: pino JSON keeps its level and message (its fields
// nested under `task`), anything else is kept as text.
import type { Logger } from 'pino';

type LevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface ForwardedLine {
  level: LevelName;
  msg: string;
  fields: Record<string, unknown>;
}

const pinoLevels: [number, LevelName][] = [
  [60, 'fatal'],
  [50, 'error'],
  [40, 'warn'],
  [30, 'info'],
  [20, 'debug'],
  [10, 'trace'],
];

// Pino's envelope: the dispatcher's own logger writes these again.
const envelope = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'name', 'service', 'videoId', 'attempt']);

export function parseTaskLine(line: string, stream: 'stdout' | 'stderr'): ForwardedLine | null {
  const text = line.trim();
  if (text === '') return null;
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      if (typeof parsed.level === 'number' && typeof parsed.msg === 'string') {
        const level = pinoLevels.find(([n]) => (parsed.level as number) >= n)?.[1] ?? 'trace';
        const fields = Object.fromEntries(Object.entries(parsed).filter(([k]) => !envelope.has(k)));
        return { level, msg: parsed.msg, fields };
      }
    } catch {
      // Not JSON after all: kept as text below.
    }
  }
  return { level: stream === 'stderr' ? 'warn' : 'info', msg: text, fields: { stream } };
}

export function forwardTaskLine(logger: Logger, line: string, stream: 'stdout' | 'stderr'): void {
  const out = parseTaskLine(line, stream);
  if (out === null) return;
  if (Object.keys(out.fields).length === 0) logger[out.level](out.msg);
  else logger[out.level]({ task: out.fields }, out.msg);
}
