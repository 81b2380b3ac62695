import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shippedNodeFlags } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'shipped-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (firstLine: string): string => {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(file, `${firstLine}\nconsole.log(1);\n`);
  return file;
};

describe('shippedNodeFlags', () => {
  it("reads the flags of the CLI's '#!/usr/bin/env -S node ...' line", () => {
    expect(shippedNodeFlags(cli('#!/usr/bin/env -S node --max-semi-space-size=1'))).toEqual([
      '--max-semi-space-size=1',
    ]);
    expect(shippedNodeFlags(cli('#!/usr/bin/env -S node --a=1 --b'))).toEqual(['--a=1', '--b']);
    expect(shippedNodeFlags(cli('#!/usr/bin/env -S node'))).toEqual([]);
  });

  it('refuses a first line that is not such a shebang, saying which file', () => {
    const plain = cli('#!/usr/bin/env node');
    expect(() => shippedNodeFlags(plain)).toThrow(
      `${plain}: expected a '#!/usr/bin/env -S node [flags]' first line`,
    );
    expect(() => shippedNodeFlags(cli('console.log(0);'))).toThrow(/expected a/);
  });

  it('the source CLI ships with a small young generation (what the benchmarks run)', () => {
    expect(shippedNodeFlags(new URL('../../src/cli.ts', import.meta.url).pathname)).toContain(
      '--max-semi-space-size=1',
    );
  });
});
