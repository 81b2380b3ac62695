/**
 * The single-file `bgpadvertiser` (scripts/build-binary.mjs) for the tests: built once, reused while
 * its inputs hash the same (the script checks), serialised with a lock since test files run at once.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { arch, platform } from 'node:process';

const appDir = new URL('../../', import.meta.url).pathname;
export const BINARY = join(appDir, `dist/bin/bgpadvertiser-${platform}-${arch}`);

export function ensureBinary(): string {
  execFileSync(
    'flock',
    ['/tmp/bgplb-advertiser-binary-build.lock', process.execPath, join(appDir, 'scripts/build-binary.mjs')],
    { stdio: ['ignore', 'ignore', 'inherit'], timeout: 240_000 },
  );
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing after build:binary`);
  return BINARY;
}
