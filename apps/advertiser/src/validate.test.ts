import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { looksLikeAdvertiserConfig, runValidate } from './validate.js';

const examples = new URL('../../../examples/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'adv-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function validate(...files: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runValidate(files, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('looksLikeAdvertiserConfig', () => {
  it('tells advertiser configs from Kubernetes objects', () => {
    expect(looksLikeAdvertiserConfig('localIP: 1.2.3.4\npeers: []\n')).toBe(true);
    expect(looksLikeAdvertiserConfig('apiVersion: v1\nkind: Cluster\nlocalIP: x\n')).toBe(false);
    expect(looksLikeAdvertiserConfig('a: 1\n---\nb: 2\n')).toBe(false);
    expect(looksLikeAdvertiserConfig('- 1\n')).toBe(false);
  });
});

describe('runValidate', () => {
  it('accepts every example, cluster configs and the advertiser config alike', async () => {
    const r = await validate(
      `${examples}01-same-peers-for-all-nodes.yaml`,
      `${examples}02-control-plane-nodes-per-peer.yaml`,
      `${examples}03-separate-control-and-data-plane.yaml`,
      `${examples}bgpadvertiser.conf`,
    );
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out.at(-1)).toBe('validate: 4 files: 4 valid, 0 invalid (0 errors, 0 warnings)');
    expect(r.out).toContain(`${examples}bgpadvertiser.conf: valid (advertiser config)`);
  });

  it('prints file:line:col for each problem of an advertiser config and exits 1', async () => {
    const bad = file(
      'bad.conf',
      'localIP: 10.0.0.1\nlocalASN: 65001\npeers:\n- peerIP: 10.0.0.2\n  peerASN: 65001\n',
    );
    const r = await validate(bad);
    expect(r.code).toBe(1);
    expect(r.out[0]).toBe(
      `${bad}:5:12: peers[0].peerASN: peerASN 65001 equals localASN 65001: bgplb peers over eBGP only, iBGP is not supported`,
    );
    expect(r.out.at(-1)).toBe('validate: 1 file: 0 valid, 1 invalid (1 error, 0 warnings)');
  });

  it('locates YAML syntax errors in cluster files', async () => {
    const bad = file('syntax.yaml', 'apiVersion: baremetal.cluster.gke.io/v1\nkind: Cluster\nmetadata: [\n');
    const r = await validate(bad);
    expect(r.code).toBe(1);
    expect(r.out[0]).toMatch(new RegExp(`^${bad}:\\d+:\\d+: `));
  });

  it('prints ONE line (no stack) for hostile files: an alias bomb, deep nesting, binary data', async () => {
    const bomb = file(
      'bomb.yaml',
      'x: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\ny: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nz: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nlocalIP: 10.77.0.1\nlocalASN: 4273481990\npeers:\n- peerIP: 10.77.0.2\n  peerASN: 65002\n',
    );
    const deep = file('deep.yaml', `kind: ${'['.repeat(100_000)}`);
    const binary = file(
      'binary.conf',
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00]).toString('latin1'),
    );
    for (const [path, line] of [
      [
        bomb,
        `${bomb}:3:37: YAML aliases expand to more than 1000 values (an alias bomb?); write the values out instead of repeating aliases`,
      ],
      [deep, `${deep}:1:70: YAML nesting is too deep (more than 64 levels)`],
      [
        binary,
        `${binary}:1:1: control character U+007F at line 1, column 1: YAML does not allow control characters; remove it`,
      ],
    ] as const) {
      const r = await validate(path);
      expect(r).toEqual({
        code: 1,
        out: [line, 'validate: 1 file: 0 valid, 1 invalid (1 error, 0 warnings)'],
        err: [],
      });
    }
  });

  it('exits 2 when a file cannot be read, and still checks the others', async () => {
    const r = await validate(join(dir, 'missing.yaml'), `${examples}bgpadvertiser.conf`);
    expect(r.code).toBe(2);
    expect(r.err[0]).toContain('missing.yaml: cannot read');
    expect(r.out.at(-1)).toBe('validate: 2 files: 1 valid, 0 invalid, 1 unreadable (0 errors, 0 warnings)');
  });

  it('lists unknown kinds as warnings', async () => {
    const f = file('other.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
    const r = await validate(f);
    expect(r.out.join('\n')).toContain('warning: ignored ConfigMap/x: not a bgplb kind');
  });
});
