/**
 * Issue 21: the BUILT `bgplb-controller` under a Node.js older than 22.19 says so and exits 2,
 * instead of failing inside undici. Runs dist/cli.js under /usr/bin/node when that is an old Node
 * (Debian's Node 20 on this project's machines); skips otherwise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const OLD_NODE = '/usr/bin/node';

function oldNodeVersion(): string | undefined {
  if (!existsSync(OLD_NODE)) return undefined;
  const v = spawnSync(OLD_NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const [major = 0, minor = 0] = v.replace(/^v/, '').split('.').map(Number);
  return major < 22 || (major === 22 && minor < 19) ? v : undefined;
}

const old = oldNodeVersion();

describe.skipIf(old === undefined)(`built CLI under ${old ?? 'an old Node (none found)'}`, () => {
  it('prints the version requirement and exits 2; under this Node it runs', () => {
    // turbo rebuilds only what changed; the lock serialises test files building at once.
    execFileSync(
      'flock',
      [
        '/tmp/bgplb-controller-build.lock',
        'bash',
        '-c',
        `. ${REPO}scripts/env.sh && cd ${REPO} && pnpm turbo run build --filter @bgplb/controller... --output-logs=errors-only`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 },
    );
    const r = spawnSync(OLD_NODE, [CLI, '--help'], { encoding: 'utf8' });
    expect(r.stderr).toBe(`bgplb needs Node.js >= 22.19 (found ${old})\n`);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(2);

    const current = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    expect(current.status).toBe(0);
    expect(current.stdout).toContain('Usage: bgplb-controller');
  }, 320_000);
});
