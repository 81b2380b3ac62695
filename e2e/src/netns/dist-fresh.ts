/**
 * Whether the built apps (dist/) are at least as new as every TypeScript source they are built
 * from, so the e2e suite can run the faster built binaries (as CI does after `pnpm build`) and
 * falls back to the sources through tsx when a developer edited something since the last build.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function distIsFresh(repo: string): boolean {
  try {
    const built = Math.min(
      statSync(join(repo, 'apps/advertiser/dist/cli.js')).mtimeMs,
      statSync(join(repo, 'apps/controller/dist/cli.js')).mtimeMs,
    );
    const sources = [
      'apps/advertiser/src',
      'apps/controller/src',
      ...readdirSync(join(repo, 'packages')).map((p) => `packages/${p}/src`),
    ];
    return sources.every((s) => {
      try {
        return newestMtime(join(repo, s)) <= built;
      } catch {
        return true;
      }
    });
  } catch {
    return false;
  }
}
