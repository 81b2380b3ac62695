import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { execArgv, plainWords, shellQuote } from './exec-template.js';

const node = { ip: '10.0.1.10', name: 'cp1' };

describe('execArgv', () => {
  it('fills in {ip} and {name} and passes the words as "$@"', () => {
    expect(execArgv('ssh -i ~/.ssh/k root@{ip}', node, ['/tmp/b', 'preflight-agent'])).toEqual([
      'sh',
      '-c',
      'ssh -i ~/.ssh/k root@10.0.1.10 "$@"',
      'sh',
      '/tmp/b',
      'preflight-agent',
    ]);
    expect(execArgv('ip netns exec {name}', node, ['rm'])[2]).toBe('ip netns exec cp1 "$@"');
  });

  it('runs: the words arrive intact through the template', () => {
    const [file, ...args] = execArgv('env X={name}', { ip: '10.0.0.1', name: "it's" }, ['sh', '-c', 'echo']);
    // "echo" alone prints an empty line: the template's env ran sh -c echo
    expect(execFileSync(file as string, args, { encoding: 'utf8' })).toBe('\n');
    const [sh, ...rest] = execArgv('env', node, ['printenv', 'HOME']);
    expect(execFileSync(sh as string, rest, { encoding: 'utf8' }).trim()).toBe(process.env.HOME);
  });

  it('refuses a word a remote shell would change', () => {
    expect(() => execArgv('ssh {ip}', node, ['rm', '/tmp/a b'])).toThrow(
      'remote word "/tmp/a b" is not plain',
    );
  });
});

describe('plainWords and shellQuote', () => {
  it('splits --remote-command, refusing shell syntax', () => {
    expect(plainWords(' node  /opt/cli.js ', '--remote-command')).toEqual(['node', '/opt/cli.js']);
    expect(() => plainWords('', '--remote-command')).toThrow('--remote-command is empty');
    expect(() => plainWords('node $HOME/cli.js', '--remote-command')).toThrow(
      '--remote-command: "$HOME/cli.js" has characters a remote shell would interpret',
    );
  });

  it('quotes only what needs it', () => {
    expect(shellQuote('/home/me/.ssh/id')).toBe('/home/me/.ssh/id');
    expect(shellQuote("it's here")).toBe("'it'\\''s here'");
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote("it's here")}`], { encoding: 'utf8' })).toBe(
      "it's here",
    );
  });
});
