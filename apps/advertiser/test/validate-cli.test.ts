/**
 * `bgpadvertiser validate`, run as the built binary: every example is valid (exit 0), and every
 * bad fixture of @bgplb/api-types gives its exact message at its line and column (exit 1 for
 * errors, 0 for warning-only files), followed by the summary line.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BAD_FIXTURES } from '../../../packages/api-types/test/fixtures/bad-fixtures.js';
import { CLI, ensureBuilt } from './e2e/harness.js';

const repo = new URL('../../../', import.meta.url).pathname;
const examples = join(repo, 'examples');
const fixtures = join(repo, 'packages/api-types/test/fixtures');

function validate(...files: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'validate', ...files], (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 99) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const ADVERTISER_FIXTURES: ReadonlyArray<readonly [string, string]> = [
  ['duplicate-peer.conf', '6:11: peers[1].peerIP: duplicate peer IP 21.0.101.80 (already at peers[0])'],
  ['empty.conf', '1:1: the file is empty; expected localIP, localASN and peers'],
  ['no-peers.conf', '3:8: peers: needs at least 1 entry'],
  ['not-a-mapping.conf', '1:1: expected a mapping with localIP, localASN and peers'],
  ['string-asn.conf', '2:11: localASN: expected a number, got the string "four"'],
  ['two-documents.conf', '6:1: expected a single YAML document; the config holds one mapping'],
  ['unknown-field.conf', '5:3: peers[0].peerAS: unknown field "peerAS" (did you mean `peers[0].peerASN`?)'],
];

describe('bgpadvertiser validate (built binary)', () => {
  // One process per file (the exit code is per run), four at a time, all before the assertions.
  const results = new Map<string, Awaited<ReturnType<typeof validate>>>();
  beforeAll(async () => {
    ensureBuilt();
    const paths = [
      ...BAD_FIXTURES.map((f) => join(fixtures, 'bad', f.file)),
      ...ADVERTISER_FIXTURES.map(([f]) => join(fixtures, 'advertiser', f)),
    ];
    const queue = [...paths];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let p = queue.shift(); p !== undefined; p = queue.shift()) results.set(p, await validate(p));
      }),
    );
  }, 240_000);

  it('accepts every example (exit 0)', async () => {
    const files = readdirSync(examples)
      .filter((f) => /\.(ya?ml|conf)$/.test(f))
      .map((f) => join(examples, f));
    expect(files.length).toBeGreaterThanOrEqual(4);
    const r = await validate(...files);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(
      `validate: ${files.length} files: ${files.length} valid, 0 invalid (0 errors, 0 warnings)`,
    );
  });

  it.each(BAD_FIXTURES.map((f) => [f.file, f] as const))(
    '%s: exact message and exit code',
    async (_name, f) => {
      const path = join(fixtures, 'bad', f.file);
      // Run once, in beforeAll (it ran every file a second time here: ~75 processes, ~50 s of CI).
      const r = results.get(path)!;
      const lines = r.stdout.trim().split('\n');
      const text = f.severity === 'warning' ? `warning: ${f.message}` : f.message;
      expect(lines[0]).toBe(`${path}:${f.line}:${f.column}: ${text}`);
      if (f.severity === 'error') {
        expect(r.code).toBe(1);
        expect(lines.at(-1)).toBe('validate: 1 file: 0 valid, 1 invalid (1 error, 0 warnings)');
      } else {
        expect(r.code).toBe(0);
        expect(lines.at(-1)).toBe('validate: 1 file: 1 valid, 0 invalid (0 errors, 1 warning)');
      }
    },
  );

  it.each(ADVERTISER_FIXTURES)('advertiser config %s: exact message, exit 1', async (file, message) => {
    const path = join(fixtures, 'advertiser', file);
    const r = results.get(path)!;
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe(`${path}:${message}`);
  });

  it('the run command exits 2 on a bad config, with file:line:col problems on stderr', async () => {
    const path = join(fixtures, 'advertiser', 'string-asn.conf');
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, '--config', path, '--advertise-ip', '10.0.0.8'], (err, _o, stderr) =>
        resolve({ code: err && typeof err.code === 'number' ? err.code : 0, stderr: String(stderr) }),
      );
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${path}:2:11: localASN: expected a number, got the string "four"\n`);
  });

  it('exits 2 when a file cannot be read', async () => {
    const r = await validate(join(examples, 'no-such-file.yaml'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such-file.yaml: cannot read');
  });
});
