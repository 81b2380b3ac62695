/**
 * apps/advertiser/Dockerfile, read statically (no Docker engine in CI): the image holds the
 * single-file binary at /bgpadvertiser as its entry point (the spec's
 * `docker cp $(docker create IMAGE):/bgpadvertiser .`), built by the package's build:binary at the
 * path that script writes, and the static pods still start it with args alone as the same user.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { arch } from 'node:process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BINARY } from './e2e/single-binary.js';

const appDir = new URL('../', import.meta.url);
const dockerfile = readFileSync(new URL('Dockerfile', appDir), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('package.json', appDir), 'utf8')) as {
  scripts: Record<string, string>;
};
const repoRoot = new URL('../../', appDir).pathname;
/** Instructions of the last (runtime) stage. */
const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

describe('apps/advertiser/Dockerfile', () => {
  it('builds the binary with the package script, from the path the script writes', () => {
    expect(pkg.scripts['build:binary']).toBe('node scripts/build-binary.mjs');
    expect(dockerfile).toContain('pnpm --filter @bgplb/advertiser build:binary');
    // The path the tests get from the script (x64 or arm64), as the Dockerfile names it.
    const built = relative(repoRoot, BINARY).replace(`-${arch}`, '-$(node -p process.arch)');
    expect(dockerfile).toContain(`cp ${built} /bgpadvertiser`);
    expect(dockerfile).toMatch(
      /cp apps\/advertiser\/dist\/bin\/bgpadvertiser-linux-\$\(node -p process\.arch\) \/bgpadvertiser/,
    );
  });

  it('puts the one file at /bgpadvertiser and runs it as the entry point, without Node', () => {
    expect(runtime).toMatch(/^\nFROM debian:bookworm-slim$/m);
    expect(runtime).toContain('COPY --from=build /bgpadvertiser /bgpadvertiser');
    expect(runtime).toContain('ENTRYPOINT ["/bgpadvertiser"]');
    expect(runtime).not.toMatch(/node_modules|dist\/cli\.js/);
  });

  it.each(['bgpadvertiser.yaml', 'bgpadvertiser-vip-interface.yaml'])(
    'static pod %s gives args only and runs as the image user',
    (name) => {
      const pod = parse(readFileSync(new URL(`../../deploy/static-pod/${name}`, appDir), 'utf8')) as {
        spec: {
          containers: Array<{ command?: string[]; args: string[]; securityContext: { runAsUser?: number } }>;
        };
      };
      const c = pod.spec.containers[0];
      expect(c?.command).toBeUndefined();
      expect(c?.args.length).toBeGreaterThan(0);
      const uid = c?.securityContext.runAsUser;
      // uid 0 (the --vip-interface variant, for NET_ADMIN) overrides the image user on purpose.
      if (uid !== undefined && uid !== 0) expect(runtime).toContain(`USER ${uid}:${uid}`);
    },
  );
});
