/**
 * Whether the built apps (dist/) are at least as new as the TypeScript sources they are built
 * from (the app's own and those of the workspace libraries it depends on), so the e2e suite can
 * run the faster built binaries (as CI does after `pnpm build`) and falls back to the sources
 * through tsx when a developer edited something since the last build.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // test helpers and benchmarks are not part of the build
      if (entry.name !== 'test-support' && entry.name !== 'bench')
        newest = Math.max(newest, newestMtime(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** The app's source directory and those of its workspace dependencies (transitively). */
function sourcesOf(repo: string, pkgDir: string, seen = new Set<string>()): string[] {
  if (seen.has(pkgDir)) return [];
  seen.add(pkgDir);
  const pkg = JSON.parse(readFileSync(join(repo, pkgDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const deps = Object.keys(pkg.dependencies ?? {})
    .filter((d) => d.startsWith('@bgplb/'))
    .map((d) => `packages/${d.slice('@bgplb/'.length)}`);
  return [`${pkgDir}/src`, ...deps.flatMap((d) => sourcesOf(repo, d, seen))];
}

function appIsFresh(repo: string, app: string, entry: string): boolean {
  const built = statSync(join(repo, app, entry)).mtimeMs;
  return sourcesOf(repo, app).every((dir) => newestMtime(join(repo, dir)) <= built);
}

export function distIsFresh(repo: string): boolean {
  try {
    return (
      appIsFresh(repo, 'apps/advertiser', 'dist/cli.js') &&
      appIsFresh(repo, 'apps/controller', 'dist/cli.js') &&
      appIsFresh(repo, 'packages/test-apiserver', 'dist/cli.js')
    );
  } catch {
    return false;
  }
}
