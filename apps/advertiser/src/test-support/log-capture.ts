import { Writable } from 'node:stream';
import { createLogger, type Logger, type LogLevel } from '@bgplb/kube-runtime/process';

/** A JSON logger whose lines are kept in memory, parsed. */
export function captureLogger(level: LogLevel = 'debug'): {
  log: Logger;
  lines: Array<Record<string, unknown>>;
} {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: createLogger({ level, destination }), lines };
}
