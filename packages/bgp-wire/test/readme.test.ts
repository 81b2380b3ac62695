/**
 * The README's TypeScript examples run, and print what their `// comments` say they print.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = mkdtempSync(join(tmpdir(), 'bgpwire-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tsx = resolve(root, '../../node_modules/tsx/dist/esm/index.mjs');

describe('README examples', () => {
  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });
  it.each(blocks.map((b, i) => [i, b] as const))('example %i runs and prints what it says', (i, block) => {
    const file = join(dir, `example-${i}.ts`);
    writeFileSync(file, block.replaceAll("'@bgplb/bgp-wire'", `'${join(root, 'src/index.ts')}'`));
    const out = execFileSync(process.execPath, ['--import', tsx, file], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    const expected = [...block.matchAll(/^(?:.*console\.log\(.*\);\s*)?\/\/ (.+)$/gm)]
      .map((m) => m[1]!.replace(/ \(twice\)$/, ''))
      .filter((e) => !/^[A-Z][a-z].* [a-z]/.test(e) || e.startsWith('UPDATE') || e.startsWith('Cease'));
    for (const e of expected) expect(out.replace(/\s+/g, ' ')).toContain(e.replace(/\s+/g, ' '));
  });
});
