import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterOfFile, loadClusterConfig } from './cluster-config-file.js';
import { formatProblem } from './problems.js';
import { validateText } from './validate-files.js';

const examples = new URL('../../../examples/', import.meta.url);
const example02 = new URL('02-control-plane-nodes-per-peer.yaml', examples).pathname;
const text02 = readFileSync(example02, 'utf8');
const lines = (result: ReturnType<typeof clusterOfFile>) => result.problems.map(formatProblem);

describe('loadClusterConfig', () => {
  it('gives the one Cluster of example 02, validated with the rest of the file', async () => {
    const result = await loadClusterConfig(example02);
    expect(result.ok).toBe(true);
    expect(result.ok && result.cluster.metadata.name).toBe('bm');
    expect(result.ok && result.cluster.spec.loadBalancer.ports.controlPlaneLBPort).toBe(443);
    expect(result.problems).toEqual([]);
  });

  it('sets readError for a file that cannot be read', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'bgplb-cluster-')), 'absent.yaml');
    const result = await loadClusterConfig(missing);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.readError).toMatch(/absent\.yaml/);
  });

  it('refuses an invalid file with every problem positioned, as validate prints them', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bgplb-cluster-')), 'bad.yaml');
    writeFileSync(file, text02.replace('localASN: 65001', 'localASN: 65002'));
    const result = await loadClusterConfig(file);
    expect(result.ok).toBe(false);
    expect(lines(result)).toContain(
      `${file}:24:12: spec.loadBalancer.bgpPeers[0].asn: peer ASN 65002 equals localASN 65002: bgplb peers over eBGP only, iBGP is not supported`,
    );
  });
});

describe('clusterOfFile', () => {
  it('refuses a file without a Cluster, naming what it holds', () => {
    const ngg = text02.slice(text02.indexOf('apiVersion: networking.gke.io/v1'));
    const result = clusterOfFile(validateText(ngg, 'ngg.yaml'));
    expect(result.ok).toBe(false);
    expect(lines(result).at(-1)).toBe(
      'ngg.yaml:1:1: no Cluster in this file (kind: Cluster with spec.loadBalancer); it holds NetworkGatewayGroup/default',
    );
    expect(lines(clusterOfFile(validateText('# nothing\n', 'empty.yaml')))).toEqual([
      'empty.yaml:1:1: no Cluster in this file (kind: Cluster with spec.loadBalancer); it holds no object of ours',
    ]);
  });

  it('refuses a file with two Clusters at the second one', () => {
    const cluster = text02.slice(text02.indexOf('apiVersion:'), text02.indexOf('---'));
    const other = cluster.replaceAll('bm', 'other');
    const text = `${cluster}---\n${other}`;
    const second = text.split('\n').indexOf('---') + 2;
    const result = clusterOfFile(validateText(text, 'two.yaml'));
    expect(lines(result).filter((l) => !l.includes('warning:'))).toEqual([
      `two.yaml:${second}:1: a second Cluster (other; the first is bm at line 1): give a file with one Cluster`,
    ]);
  });
});
