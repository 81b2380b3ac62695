/**
 * `npm install -g @bgplb/advertiser` as a user runs it: the package and the workspace packages it
 * depends on are packed with `pnpm pack` (workspace:* becomes the version, as on publish), installed
 * with `npm install -g --prefix TMP` (third-party dependencies come from the npm registry), and
 * TMP/bin/bgpadvertiser runs with this Node first on PATH. Needs the npm registry; about 30 s.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './e2e/harness.js';

const repoRoot = new URL('../../../', import.meta.url).pathname;

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
}

/** Workspace package name -> its directory. */
function workspacePackages(): Map<string, string> {
  const dirs = ['apps', 'packages'].flatMap((top) =>
    readdirSync(join(repoRoot, top)).map((d) => join(repoRoot, top, d)),
  );
  const byName = new Map<string, string>();
  for (const dir of dirs) {
    try {
      byName.set((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest).name, dir);
    } catch {
      // not a package
    }
  }
  return byName;
}

/** `name` and the workspace packages it needs at run time (dependencies, transitively). */
function runtimeClosure(name: string, byName: Map<string, string>, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  const dir = byName.get(name);
  if (dir === undefined) throw new Error(`${name} is not a workspace package`);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
  for (const [dep, spec] of Object.entries(pkg.dependencies ?? {})) {
    if (spec.startsWith('workspace:')) runtimeClosure(dep, byName, seen);
  }
  return seen;
}

describe('npm install -g of the packed @bgplb/advertiser (needs the npm registry)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'bgplb-npm-'));
  const prefix = join(tmp, 'prefix');
  const tarballs = join(tmp, 'tarballs');
  const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: tmp };
  const bin = join(prefix, 'bin/bgpadvertiser');

  beforeAll(() => {
    ensureBuilt();
    const byName = workspacePackages();
    for (const name of runtimeClosure('@bgplb/advertiser', byName)) {
      execFileSync('pnpm', ['pack', '--pack-destination', tarballs], {
        cwd: byName.get(name),
        stdio: 'ignore',
        timeout: 60_000,
      });
    }
    const files = readdirSync(tarballs).map((f) => `./${join('tarballs', f)}`);
    execFileSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', ...files], {
      cwd: tmp,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 150_000,
    });
  }, 240_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('ships no single-file binary in the tarball (dist/bin is left out)', () => {
    const list = execFileSync('tar', ['-tzf', join(tarballs, 'bgplb-advertiser-0.1.0.tgz')], {
      encoding: 'utf8',
    });
    expect(list).toContain('package/dist/cli.js');
    expect(list).not.toContain('dist/bin/');
  });

  it('puts a working bgpadvertiser on PATH: --version and validate', () => {
    expect(execFileSync(bin, ['--version'], { env, encoding: 'utf8' }).trim()).toBe('0.1.0');
    const out = execFileSync(bin, ['validate', join(repoRoot, 'examples/bgpadvertiser.conf')], {
      env,
      encoding: 'utf8',
    });
    expect(out).toContain('valid (advertiser config)');
    expect(out).toContain('1 valid, 0 invalid');
  });

  it('rejects a bad config with exit 1 and says why', () => {
    const bad = join(tmp, 'bad.conf');
    execFileSync('sh', ['-c', `printf 'localIP: nope\\n' > ${bad}`]);
    let code = 0;
    let stdout = '';
    try {
      execFileSync(bin, ['validate', bad], { env, encoding: 'utf8' });
    } catch (err) {
      code = (err as { status: number }).status;
      stdout = String((err as { stdout: string }).stdout);
    }
    expect(code).toBe(1);
    expect(stdout).toContain('0 valid, 1 invalid');
  });
});
