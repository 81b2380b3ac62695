import { type ParseArgsConfig, parseArgs } from 'node:util';
import { isIPv4 } from '@bgplb/api-types';
import { parseDuration } from './shared/duration.js';
import { parseHostPort } from './shared/health-server.js';
import { isLogFormat, isLogLevel, type LogFormat, type LogLevel } from './shared/logger.js';

/** A command line that cannot run: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface HealthCheckOptions {
  url: string;
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
  caFile?: string;
  insecure: boolean;
}

export interface RunOptions {
  command: 'run';
  config: string;
  advertiseIp: string;
  healthAddr: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  vipInterface?: string;
  check?: HealthCheckOptions;
  peerPort?: number;
}

export interface PreflightOptions {
  command: 'preflight';
  clusterConfig: string;
  nodeIp?: string;
  timeoutMs: number;
  probe?: string;
  vipInterface?: string;
  peerPort?: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

export type ParsedCommand =
  | RunOptions
  | PreflightOptions
  | { command: 'validate'; files: string[] }
  | { command: 'agent'; argv: string[] }
  | { command: 'help' }
  | { command: 'version' };

function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    // node's messages are good ("Unknown option '--foo'"); drop its "To specify a positional..." hint.
    throw new UsageError((err as Error).message.split('. To specify')[0] ?? String(err));
  }
}

function positiveInt(text: string, what: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${what} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}

function ipv4(text: string, what: string): string {
  if (!isIPv4(text)) throw new UsageError(`${what} must be an IPv4 address such as 10.0.0.8, got "${text}"`);
  return text;
}

/** A Linux interface name: 1-15 characters, no slash or whitespace. */
function interfaceName(text: string, what: string): string {
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(text)) {
    throw new UsageError(
      `${what} must be an interface name such as lo or eth0 (at most 15 characters), got "${text}"`,
    );
  }
  return text;
}

function hostPort(text: string, what: string): string {
  try {
    parseHostPort(text);
  } catch (err) {
    throw new UsageError(`${what}: ${(err as Error).message}`);
  }
  return text;
}

function duration(text: string, what: string): number {
  try {
    const ms = parseDuration(text, what);
    if (ms <= 0) throw new Error(`${what} must be longer than 0, got "${text}"`);
    return ms;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function logOptions(values: Record<string, unknown>): { logLevel: LogLevel; logFormat: LogFormat } {
  const level = (values['log-level'] as string | undefined) ?? 'info';
  const format = (values['log-format'] as string | undefined) ?? 'json';
  if (!isLogLevel(level))
    throw new UsageError(`--log-level must be trace, debug, info, warn or error, got "${level}"`);
  if (!isLogFormat(format)) throw new UsageError(`--log-format must be json or pretty, got "${format}"`);
  return { logLevel: level, logFormat: format };
}

const LOG_OPTIONS = { 'log-level': { type: 'string' }, 'log-format': { type: 'string' } } as const;

function parseRun(argv: string[]): ParsedCommand {
  const { values } = parse(argv, {
    config: { type: 'string' },
    'advertise-ip': { type: 'string' },
    'health-addr': { type: 'string', default: '127.0.0.1:8080' },
    ...LOG_OPTIONS,
    'vip-interface': { type: 'string' },
    'check-url': { type: 'string' },
    'check-interval': { type: 'string', default: '5s' },
    'check-timeout': { type: 'string', default: '2s' },
    'check-failure-threshold': { type: 'string', default: '3' },
    'check-success-threshold': { type: 'string', default: '1' },
    'check-ca': { type: 'string' },
    'check-insecure': { type: 'boolean', default: false },
    'peer-port': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  });
  if (values.help) return { command: 'help' };
  if (values.version) return { command: 'version' };
  if (values.config === undefined) throw new UsageError('--config FILE is required');
  if (values['advertise-ip'] === undefined) throw new UsageError('--advertise-ip IP is required');
  const out: RunOptions = {
    command: 'run',
    config: values.config as string,
    advertiseIp: ipv4(values['advertise-ip'] as string, '--advertise-ip'),
    healthAddr: hostPort(values['health-addr'] as string, '--health-addr'),
    ...logOptions(values),
  };
  if (values['vip-interface'] !== undefined) {
    out.vipInterface = interfaceName(values['vip-interface'] as string, '--vip-interface');
  }
  if (values['peer-port'] !== undefined)
    out.peerPort = positiveInt(values['peer-port'] as string, '--peer-port', 1, 65535);
  const checkOnly = ['check-ca', 'check-insecure'].filter(
    (k) => values[k] !== undefined && values[k] !== false,
  );
  if (values['check-url'] !== undefined) {
    const url = values['check-url'] as string;
    if (!/^https?:\/\/[^/]+/.test(url))
      throw new UsageError(`--check-url must be an http:// or https:// URL, got "${url}"`);
    if (values['check-ca'] !== undefined && values['check-insecure']) {
      throw new UsageError('--check-ca and --check-insecure exclude each other');
    }
    const check: HealthCheckOptions = {
      url,
      intervalMs: duration(values['check-interval'] as string, '--check-interval'),
      timeoutMs: duration(values['check-timeout'] as string, '--check-timeout'),
      failureThreshold: positiveInt(values['check-failure-threshold'] as string, '--check-failure-threshold'),
      successThreshold: positiveInt(values['check-success-threshold'] as string, '--check-success-threshold'),
      insecure: values['check-insecure'] === true,
    };
    if (values['check-ca'] !== undefined) check.caFile = values['check-ca'] as string;
    out.check = check;
  } else if (checkOnly.length > 0) {
    throw new UsageError(`--${checkOnly[0]} needs --check-url`);
  }
  return out;
}

function parsePreflight(argv: string[]): ParsedCommand {
  const { values } = parse(argv, {
    'cluster-config': { type: 'string' },
    'node-ip': { type: 'string' },
    timeout: { type: 'string', default: '30s' },
    probe: { type: 'string' },
    'vip-interface': { type: 'string' },
    'peer-port': { type: 'string' },
    ...LOG_OPTIONS,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return { command: 'help' };
  if (values['cluster-config'] === undefined)
    throw new UsageError('preflight: --cluster-config FILE is required');
  const out: PreflightOptions = {
    command: 'preflight',
    clusterConfig: values['cluster-config'] as string,
    timeoutMs: duration(values.timeout as string, '--timeout'),
    ...logOptions({ 'log-level': values['log-level'] ?? 'warn', 'log-format': values['log-format'] }),
  };
  if (values['node-ip'] !== undefined) out.nodeIp = ipv4(values['node-ip'] as string, '--node-ip');
  if (values.probe !== undefined) out.probe = values.probe as string;
  if (values['vip-interface'] !== undefined) {
    out.vipInterface = interfaceName(values['vip-interface'] as string, '--vip-interface');
  }
  if (values['peer-port'] !== undefined)
    out.peerPort = positiveInt(values['peer-port'] as string, '--peer-port', 1, 65535);
  return out;
}

/** Parses the whole command line (without `node` and the script). Throws UsageError. */
export function parseCommandLine(argv: string[]): ParsedCommand {
  const [first, ...rest] = argv;
  switch (first) {
    case 'validate': {
      if (rest.includes('-h') || rest.includes('--help')) return { command: 'help' };
      const unknown = rest.find((a) => a.startsWith('-') && a !== '-');
      if (unknown) throw new UsageError(`validate: unknown option "${unknown}"`);
      if (rest.length === 0) throw new UsageError('validate: give at least one FILE');
      return { command: 'validate', files: rest };
    }
    case 'preflight':
      return parsePreflight(rest);
    case 'agent':
      return { command: 'agent', argv: rest };
    default:
      if (first !== undefined && !first.startsWith('-')) {
        throw new UsageError(
          `unknown command "${first}" (commands: validate, preflight, agent; or --config to run)`,
        );
      }
      return parseRun(argv);
  }
}
