/**
 * Command-line helpers of both CLIs, on commander: the option definitions generate the help
 * text, and every flag follows one syntax (`--name VALUE` or `--name=VALUE`, `-h/--help`).
 * Values are parsed once, here (durations, integers, listening addresses, log options), and every
 * problem becomes a UsageError reading `--flag: what was expected, got "value"`, which the CLIs
 * print before exiting 2.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from './duration.js';
import { parseListenAddress } from './listen-address.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './logger.js';

export { Command, Option } from 'commander';

/** A command line that cannot run: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The exit code of a usage error in both CLIs. */
export const USAGE_EXIT_CODE = 2;

/**
 * A commander Command that throws instead of exiting or printing, refuses unknown options and
 * excess arguments, and has `-h, --help`. Parse it with parseCommand.
 */
export function createCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .showSuggestionAfterError(true)
    .configureHelp({ helpWidth: 100, sortOptions: false });
}

export type ParseResult<T> = { help: string } | { options: T; args: string[] };

// commander: "error: option '--peer-port <port>' argument '70000' is invalid. REASON"
const INVALID_ARGUMENT = /^error: option '(-\w, )?(--[\w-]+)[^']*' argument '[^']*' is invalid\. (.*)$/s;

/** Parses `argv` (without node and script) with `command`; help gives its text; errors a UsageError. */
export function parseCommand<T>(command: Command, argv: readonly string[]): ParseResult<T> {
  // Help wins over every other problem on the line, as operators expect of `-h`.
  const end = argv.indexOf('--');
  const flags = end < 0 ? argv : argv.slice(0, end);
  if (flags.includes('-h') || flags.includes('--help')) return { help: command.helpInformation() };
  try {
    command.parse([...argv], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    const invalid = INVALID_ARGUMENT.exec(err.message);
    if (invalid) throw new UsageError(`${invalid[2]}: ${invalid[3]}`);
    throw new UsageError(err.message.replace(/^error: /, ''));
  }
  return { options: command.opts() as T, args: command.args };
}

/** Wraps a value parser for Option.argParser: its Error message becomes the usage error after `--flag: `. */
export function valueArg<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** An integer from `min` to `max`. */
export function integerArg(min: number, max: number): (text: string) => number {
  return valueArg((text) => {
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new Error(`expected an integer from ${min} to ${max}, got "${text}"`);
    }
    return Number(text);
  });
}

/** A decimal number from `min` to `max` (e.g. seconds: `0.5`). */
export function numberArg(min: number, max: number): (text: string) => number {
  return valueArg((text) => {
    const n = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || n < min || n > max) {
      throw new Error(`expected a number from ${min} to ${max}, got "${text}"`);
    }
    return n;
  });
}

/** A duration (`30s`, `500ms`, `1m30s`, bare seconds) in ms, at least `minMs` (default 1 ms). */
export function durationArg(minMs = 1): (text: string) => number {
  return valueArg((text) => {
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch {
      throw new Error(`expected a duration such as 30s, 500ms, 2m or 1m30s, got "${text}"`);
    }
    if (ms < minMs) {
      throw new Error(
        `expected at least ${minMs >= 1000 ? `${minMs / 1000}s` : `${minMs}ms`}, got "${text}"`,
      );
    }
    return ms;
  });
}

/** A listening address (see parseListenAddress); the text is kept, its problems reported here. */
export const listenAddressArg = valueArg((text: string): string => {
  parseListenAddress(text);
  return text;
});

// A namespace is a DNS-1123 label; an object name at most a DNS-1123 subdomain (Services and
// Namespaces are labels, which a subdomain includes: the API server checks the rest).
const DNS_LABEL = '[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?';
const NAMESPACED_NAME = new RegExp(`^(${DNS_LABEL})/(${DNS_LABEL}(?:\\.${DNS_LABEL})*)$`);

/** `NAMESPACE/NAME` of a namespaced object (`--ingress-service`, `move --cluster`); the text is kept. */
export const namespacedNameArg = valueArg((text: string): string => {
  const m = NAMESPACED_NAME.exec(text);
  if (m === null || m[2]!.length > 253) {
    throw new Error(
      `expected NAMESPACE/NAME (lowercase letters, digits, '-'; '.' in the name), got "${text}"`,
    );
  }
  return text;
});

/** `true`/`false` for a flag that also stands alone (`--leader-elect` = `--leader-elect=true`). */
export const booleanArg = valueArg((text: string | boolean): boolean => {
  // commander hands a preset (the flag alone) through as the boolean itself.
  if (text === true || text === 'true') return true;
  if (text === 'false') return false;
  throw new Error(`expected true or false, got "${text}"`);
});

/** One of `choices`. (commander's own `.choices()` words its error differently.) */
export function choiceArg<T extends string>(choices: readonly T[]): (text: string) => T {
  return valueArg((text) => {
    if (!(choices as readonly string[]).includes(text)) {
      throw new Error(`expected ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}, got "${text}"`);
    }
    return text as T;
  });
}

export interface LogFlags {
  logLevel: LogLevel;
  logFormat: LogFormat;
}

/** `--log-level` and `--log-format`, the same in every command of both CLIs. */
export function logOptions(defaultLevel: LogLevel = 'info', levelHelp = 'log level'): Option[] {
  return [
    new Option('--log-level <level>', `${levelHelp}: ${LOG_LEVELS.join(', ')}`)
      .argParser(choiceArg(LOG_LEVELS))
      .default(defaultLevel),
    new Option('--log-format <format>', 'json (one object per line) or pretty (for humans)')
      .argParser(choiceArg(LOG_FORMATS))
      .default('json'),
  ];
}

/** Adds options to a command (commander's addOption, for a list). */
export function addOptions(command: Command, options: readonly Option[]): Command {
  for (const o of options) command.addOption(o);
  return command;
}
