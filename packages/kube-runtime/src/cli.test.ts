import { describe, expect, it } from 'vitest';
import {
  addOptions,
  booleanArg,
  createCommand,
  durationArg,
  integerArg,
  listenAddressArg,
  logOptions,
  namespacedNameArg,
  numberArg,
  Option,
  parseCommand,
  UsageError,
  valueArg,
} from './cli.js';

interface Flags {
  port: number;
  every?: number;
  ratio: number;
  addr: string;
  elect: boolean;
  logLevel: string;
  logFormat: string;
  quiet?: boolean;
}

function command() {
  const c = createCommand('demo', 'A demo command.');
  addOptions(c, [
    new Option('--port <port>', 'TCP port').argParser(integerArg(1, 65535)).default(179),
    new Option('--every <duration>', 'how often').argParser(durationArg(1000)),
    new Option('--ratio <n>', 'a ratio').argParser(numberArg(0.1, 10)).default(1),
    new Option('--addr <host:port>', 'listen here').argParser(listenAddressArg).default('127.0.0.1:8080'),
    new Option('--elect [bool]', 'elect a leader').argParser(booleanArg).preset(true).default(false),
    ...logOptions('warn'),
    new Option('-q, --quiet', 'say less'),
  ]);
  return c;
}

function parse(argv: string[]) {
  return parseCommand<Flags>(command(), argv);
}

function usageError(argv: string[]): string {
  try {
    parse(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('parseCommand', () => {
  it('applies defaults', () => {
    expect(parse([])).toEqual({
      options: {
        port: 179,
        ratio: 1,
        addr: '127.0.0.1:8080',
        elect: false,
        logLevel: 'warn',
        logFormat: 'json',
      },
      args: [],
    });
  });

  it('takes --name VALUE and --name=VALUE alike, and parses each value once', () => {
    const a = parse([
      '--port',
      '1179',
      '--every',
      '1m30s',
      '--ratio=2.5',
      '--addr=[::1]:9090',
      '--elect',
      '-q',
    ]);
    const b = parse([
      '--port=1179',
      '--every=90s',
      '--ratio',
      '2.5',
      '--addr',
      '[::1]:9090',
      '--elect=true',
      '--quiet',
    ]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({
      options: { port: 1179, every: 90_000, ratio: 2.5, addr: '[::1]:9090', elect: true, quiet: true },
    });
    expect(parse(['--elect=false'])).toMatchObject({ options: { elect: false } });
    expect(parse(['--elect', 'false'])).toMatchObject({ options: { elect: false } });
    expect(parse(['--log-level', 'debug', '--log-format', 'pretty'])).toMatchObject({
      options: { logLevel: 'debug', logFormat: 'pretty' },
    });
  });

  it.each([
    [['--port', '70000'], '--port: expected an integer from 1 to 65535, got "70000"'],
    [['--port=x'], '--port: expected an integer from 1 to 65535, got "x"'],
    [['--every', 'soon'], '--every: expected a duration such as 30s, 500ms, 2m or 1m30s, got "soon"'],
    [['--every', '500ms'], '--every: expected at least 1s, got "500ms"'],
    [['--ratio', '-1'], '--ratio: expected a number from 0.1 to 10, got "-1"'],
    [['--addr', '127.0.0.1'], '--addr: invalid address "127.0.0.1": port "127.0.0.1" is not a number'],
    [['--elect=maybe'], '--elect: expected true or false, got "maybe"'],
    [
      ['--log-level', 'loud'],
      '--log-level: expected trace, debug, info, warn, error, fatal or silent, got "loud"',
    ],
    [['--log-format', 'xml'], '--log-format: expected json or pretty, got "xml"'],
    [['--bogus'], "unknown option '--bogus'"],
    [['--prot', '1'], "unknown option '--prot'\n(Did you mean --port?)"],
    [['extra'], 'too many arguments'],
    [['--port'], "option '--port <port>' argument missing"],
  ])('%j: %s', (argv, message) => {
    expect(usageError(argv)).toContain(message);
  });

  it('answers -h and --help with the text generated from the options', () => {
    for (const flag of ['-h', '--help']) {
      const r = parse(['--port', 'x', flag]);
      expect(r).toHaveProperty('help');
    }
    const { help } = parse(['--help']) as { help: string };
    expect(help).toContain('Usage: demo [options]');
    expect(help).toContain('A demo command.');
    expect(help).toMatch(/--port <port>\s+TCP port \(default: 179\)/);
    expect(help).toMatch(
      /--log-level <level>\s+log level: trace, debug, info, warn, error, fatal, silent \(default: "warn"\)/,
    );
    expect(help).toMatch(/-h, --help\s+show this help/);
  });
});

describe('valueArg', () => {
  it('turns a parser error into the usage error of its flag', () => {
    const c = createCommand('demo', 'demo');
    c.addOption(
      new Option('--name <ns/name>', 'a name').argParser(
        valueArg((t) => {
          if (!t.includes('/')) throw new Error(`expected namespace/name, got "${t}"`);
          return t;
        }),
      ),
    );
    expect(() => parseCommand(c, ['--name', 'x'])).toThrow('--name: expected namespace/name, got "x"');
    expect(
      parseCommand(createCommand('demo', 'demo').addOption(new Option('--n <n>')), ['--n', 'a/b']),
    ).toEqual({
      options: { n: 'a/b' },
      args: [],
    });
  });
});

describe('namespacedNameArg', () => {
  const parseName = (text: string) =>
    parseCommand<{ name: string }>(
      createCommand('demo', 'demo').addOption(
        new Option('--name <ns/name>', 'a name').argParser(namespacedNameArg),
      ),
      ['--name', text],
    );
  it.each(['kube-system/ingress', 'cluster-bm/bm', 'a/b.c-d', `${'n'.repeat(63)}/x`])('takes %s', (text) => {
    expect(parseName(text)).toEqual({ options: { name: text }, args: [] });
  });
  it.each([
    'bm',
    '/bm',
    'ns/',
    'a/b/c',
    'Kube-System/x',
    'ns/Ingress',
    '-ns/x',
    'ns/x-',
    'n.s/x',
    'ns/a..b',
    'ns/x y',
    `${'n'.repeat(64)}/x`,
    `ns/${['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(60)).join('.')}`,
  ])('refuses %s with the flag and the expected form', (text) => {
    expect(() => parseName(text)).toThrow(
      `--name: expected NAMESPACE/NAME (lowercase letters, digits, '-'; '.' in the name), got "${text}"`,
    );
  });
});
