/**
 * The one logger factory of both apps, so that operators see one format: JSON lines with `level`
 * as a name ("info"), `time` as ISO 8601 and `msg` (parse with jq), or, only when asked with
 * `--log-format pretty`, one human line each (pino-pretty, loaded only then: `openLogger`).
 */
import pino, { type DestinationStream, type Logger } from 'pino';
// Types only: the module itself is loaded by loadPrettyFormat.
import type PinoPretty from 'pino-pretty';

let pretty: typeof PinoPretty | undefined;

/**
 * Loads the formatter of the `pretty` format. Only `--log-format pretty` needs it, and it costs a
 * JSON-logging daemon 2.5 MiB of memory (pino-pretty and its streams), so it is not a static import.
 */
export async function loadPrettyFormat(): Promise<void> {
  pretty ??= (await import('pino-pretty')).default;
}

/** `createLogger` after loading what the format needs: what the programs call. */
export async function openLogger(options: LoggerOptions = {}): Promise<Logger> {
  if (options.format === 'pretty') await loadPrettyFormat();
  return createLogger(options);
}

export type { Logger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  /** Default `info`. */
  level?: LogLevel;
  /** `json` (default): one JSON object per line; `pretty`: coloured lines for humans. */
  format?: LogFormat;
  /** Where lines go; default stdout, written synchronously so nothing is lost on exit. */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Fields on every line, e.g. `{ component: 'bgplb-controller' }`. */
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const pinoOptions = {
    level: options.level ?? 'info',
    base: options.base ?? {},
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (options.format === 'pretty') {
    if (pretty === undefined)
      throw new Error(
        'the pretty log format is not loaded: use openLogger, or await loadPrettyFormat() first',
      );
    const stream = pretty({
      destination: (options.destination as NodeJS.WritableStream | undefined) ?? 1,
      sync: true,
      colorize: options.destination === undefined && process.stdout.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      singleLine: true,
    });
    return pino(pinoOptions, stream);
  }
  return pino(pinoOptions, options.destination ?? pino.destination({ dest: 1, sync: true }));
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export function isLogFormat(value: string): value is LogFormat {
  return (LOG_FORMATS as readonly string[]).includes(value);
}
