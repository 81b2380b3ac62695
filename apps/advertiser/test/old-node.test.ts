/**
 * Issue 21: the BUILT `bgpadvertiser` under a Node.js older than 22.19 says so and exits 2,
 * instead of failing inside a library. Runs dist/cli.js under /usr/bin/node when that is an old
 * Node (Debian's Node 20 on this project's machines); skips otherwise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from './e2e/harness.js';

const OLD_NODE = '/usr/bin/node';

function oldNodeVersion(): string | undefined {
  if (!existsSync(OLD_NODE)) return undefined;
  const v = spawnSync(OLD_NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const [major = 0, minor = 0] = v.replace(/^v/, '').split('.').map(Number);
  return major < 22 || (major === 22 && minor < 19) ? v : undefined;
}

const old = oldNodeVersion();

describe.skipIf(old === undefined)(`built bgpadvertiser under ${old ?? 'an old Node (none found)'}`, () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it.each([
    [['--help']],
    [['--config', 'x.conf', '--advertise-ip', '10.0.0.8']],
    [['validate', 'x.yaml']],
    [['agent', '--help']],
  ])('%j prints the version requirement and exits 2', (args) => {
    const r = spawnSync(OLD_NODE, [CLI, ...args], { encoding: 'utf8' });
    expect(r.stderr).toBe(`bgplb needs Node.js >= 22.19 (found ${old})\n`);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(2);
  });

  it('runs under this Node', () => {
    const r = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: bgpadvertiser --config FILE --advertise-ip IP [options]');
  });
});
