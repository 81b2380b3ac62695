import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { controlPlanePeers, controlPlaneReadyzUrl, loadBalancerNodeAddresses } from './cluster-topology.js';
import { validateText } from './validate-files.js';

const examples = new URL('../../../examples/', import.meta.url);
const cluster = (name: string) => {
  const result = validateText(readFileSync(new URL(name, examples), 'utf8'));
  const parsed = result.configs[0]?.cluster;
  if (parsed === undefined) throw new Error(`${name} has no cluster`);
  return parsed;
};

describe('controlPlanePeers', () => {
  it('gives every node every peer when no peer lists controlPlaneNodes (example 01)', () => {
    expect(
      controlPlanePeers(cluster('01-same-peers-for-all-nodes.yaml')).map((n) => [
        n.node,
        n.peers.map((p) => p.ip),
      ]),
    ).toEqual([
      ['10.0.1.10', ['10.8.0.10', '10.8.0.11']],
      ['10.0.1.11', ['10.8.0.10', '10.8.0.11']],
      ['10.0.2.10', ['10.8.0.10', '10.8.0.11']],
    ]);
  });

  it('honours controlPlaneNodes (example 02)', () => {
    expect(
      controlPlanePeers(cluster('02-control-plane-nodes-per-peer.yaml')).map((n) => [
        n.node,
        n.peers.map((p) => p.ip),
      ]),
    ).toEqual([
      ['10.0.1.10', ['10.0.1.254']],
      ['10.0.1.11', ['10.0.1.254']],
      ['10.0.2.10', ['10.0.2.254']],
    ]);
  });

  it('uses the load-balancer node pool, else the control-plane nodes', () => {
    expect(loadBalancerNodeAddresses(cluster('02-control-plane-nodes-per-peer.yaml'))).toEqual([
      '10.0.1.10',
      '10.0.1.11',
      '10.0.2.10',
    ]);
    expect(loadBalancerNodeAddresses(cluster('03-separate-control-and-data-plane.yaml'))).toEqual([
      '10.0.3.10',
      '10.0.3.11',
    ]);
  });
});

describe('controlPlaneReadyzUrl', () => {
  it('checks /readyz on the loopback at ports.controlPlaneLBPort (default 443)', () => {
    const c = cluster('01-same-peers-for-all-nodes.yaml');
    expect(controlPlaneReadyzUrl(c)).toBe('https://127.0.0.1:443/readyz');
    const ports = { controlPlaneLBPort: 6443 };
    expect(
      controlPlaneReadyzUrl({ ...c, spec: { ...c.spec, loadBalancer: { ...c.spec.loadBalancer, ports } } }),
    ).toBe('https://127.0.0.1:6443/readyz');
  });
});
