import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decideFromCluster } from './decide.js';
import { loadLastGood, persistedCluster, saveLastGood } from './last-good.js';
import { exampleCluster } from './test-cluster.js';

const dir = mkdtempSync(join(tmpdir(), 'live-last-good-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('last good configuration file', () => {
  it('round-trips a Cluster from the API server (spec and identity only) through a new directory', async () => {
    const cluster = exampleCluster();
    cluster.metadata = {
      ...cluster.metadata,
      uid: 'u1',
      resourceVersion: '7',
      generation: 4,
      managedFields: [],
    };
    cluster.status = { conditions: [] };
    const path = join(dir, 'nested', 'last-good.yaml');
    await saveLastGood(path, cluster, new Date('2026-12-04T23:00:00Z'));
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith('# Written by bgpadvertiser live mode at 2026-12-04T23:00:00.000Z')).toBe(true);
    const loaded = await loadLastGood(path);
    expect(loaded).toEqual({ ok: true, cluster: persistedCluster(cluster) });
    expect(loaded.ok && loaded.cluster.metadata).toEqual({
      name: 'bm',
      namespace: 'cluster-bm',
      generation: 4,
    });
    // It still is a valid Cluster for every node.
    expect(
      loaded.ok && decideFromCluster(loaded.cluster, { nodeIp: '10.0.1.11', hostAddresses: () => [] }).ok,
    ).toBe(true);
    // No temporary file is left behind.
    expect(readdirSync(join(dir, 'nested'))).toEqual(['last-good.yaml']);
  });

  it('replaces the previous file whole; a failed write leaves it and no temporary file', async () => {
    const path = join(dir, 'replace.yaml');
    const first = exampleCluster();
    await saveLastGood(path, first, new Date());
    const second = exampleCluster();
    second.spec.loadBalancer.localASN = 65010;
    await saveLastGood(path, second, new Date());
    const loaded = await loadLastGood(path);
    expect(loaded.ok && (loaded.cluster.spec as typeof second.spec).loadBalancer.localASN).toBe(65010);

    // A write that cannot complete (here the rename: the target is a directory) leaves no temp file.
    const blocked = join(dir, 'blocked');
    mkdirSync(join(blocked, 'f.yaml', 'inside'), { recursive: true });
    await expect(saveLastGood(join(blocked, 'f.yaml'), second, new Date())).rejects.toThrow(
      /EISDIR|ENOTEMPTY|EEXIST/,
    );
    expect(readdirSync(blocked)).toEqual(['f.yaml']);
  });

  it('tells a missing file from an unreadable or broken one', async () => {
    expect(await loadLastGood(join(dir, 'none.yaml'))).toMatchObject({ ok: false, missing: true });
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'spec: [unclosed\n');
    const r = await loadLastGood(broken);
    expect(r).toMatchObject({ ok: false, missing: false });
    expect(!r.ok && r.error.startsWith(`${broken}: `)).toBe(true);
    const scalar = join(dir, 'scalar.yaml');
    writeFileSync(scalar, 'just text\n');
    expect(await loadLastGood(scalar)).toEqual({
      ok: false,
      missing: false,
      error: `${scalar}: expected a Cluster object`,
    });
  });
});
