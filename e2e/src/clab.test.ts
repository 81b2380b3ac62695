import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClab, readClab } from './clab.js';
import { TOPOLOGIES } from './netns/e2e-lab.js';

describe('containerlab topologies', () => {
  const dirs = readdirSync(TOPOLOGIES, { withFileTypes: true }).filter((d) => d.isDirectory());

  it.each(dirs.map((d) => d.name))('%s parses and is consistent', (dir) => {
    const topo = readClab(join(TOPOLOGIES, dir, 'topology.clab.yml'));
    const names = new Set(topo.nodes.map((n) => n.name));
    expect(topo.nodes.some((n) => n.role === 'ctl')).toBe(true);
    expect(topo.nodes.some((n) => n.role === 'client')).toBe(true);
    expect(topo.nodes.filter((n) => n.frrConfig).length).toBeGreaterThan(0);
    // every interface named in an exec line exists on a link of that node
    for (const n of topo.nodes) {
      const ifaces = new Set(
        topo.links
          .flat()
          .filter((e) => e.node === n.name)
          .map((e) => e.iface),
      );
      for (const line of n.exec) {
        const m = / dev (eth\d+)/.exec(line);
        if (m?.[1]) expect(ifaces.has(m[1]), `${dir}/${n.name}: ${line}`).toBe(true);
      }
    }
    // each cluster node's container command names its role, name and InternalIP (the labels)
    for (const n of topo.nodes.filter((x) => x.role === 'control-plane' || x.role === 'worker')) {
      expect(n.cmd, `${dir}/${n.name} cmd`).toBe(
        `bgplb-e2e-node ${n.role} ${n.name} ${n.internalIPs.join(',')}`,
      );
      for (const ip of n.internalIPs) {
        expect(
          n.exec.some((l) => l.startsWith(`ip addr add ${ip}/`)),
          `${dir}/${n.name} address ${ip}`,
        ).toBe(true);
      }
      expect(n.env.BGPLB_API, `${dir}/${n.name} BGPLB_API`).toBe(
        `http://${topo.nodes.find((x) => x.role === 'ctl')?.mgmtIPv4}:6443`,
      );
    }
    // the cluster config is the spec example itself, byte for byte
    const example = readdirSync(join(TOPOLOGIES, '../../examples')).find((f) =>
      f.startsWith(dir.slice(0, 3)),
    );
    expect(example, `examples/${dir}.yaml`).toBeDefined();
    expect(readFileSync(join(TOPOLOGIES, dir, 'cluster.yaml'), 'utf8')).toBe(
      readFileSync(join(TOPOLOGIES, '../../examples', example ?? ''), 'utf8'),
    );
    for (const [a, b] of topo.links) {
      expect(names.has(a.node) && names.has(b.node)).toBe(true);
    }
  });

  it('reads a dual-stack node: one InternalIP per family, IPv4 first', () => {
    const topo = readClab(join(TOPOLOGIES, '04-dual-stack', 'topology.clab.yml'));
    const lb1 = topo.nodes.find((n) => n.name === 'lb1');
    expect(lb1?.internalIPs).toEqual(['10.0.3.10', '2001:db8:3::10']);
    expect(lb1?.internalIP).toBe('10.0.3.10');
  });

  it('refuses what the netns runner cannot build, naming it', () => {
    const base = 'name: t\ntopology:\n  nodes:\n';
    expect(() => parseClab(`${base}    a:\n      kind: vr-sros\n`, 'x.yml')).toThrow(
      /node a: kind must be linux or bridge/,
    );
    expect(() => parseClab(`${base}    a:\n      kind: linux\n      ports: [80]\n`, 'x.yml')).toThrow(
      /"ports" is not supported/,
    );
    expect(() => parseClab(`${base}    a:\n      kind: linux\n`, 'x.yml')).toThrow(/needs an FRR config/);
    expect(() =>
      parseClab(`${base}    a:\n      kind: linux\n      labels: {bgplb.io/role: worker}\n`, 'x.yml'),
    ).toThrow(/bgplb.io\/internal-ip/);
    expect(() =>
      parseClab(`${base}    a:\n      kind: bridge\n  links:\n    - endpoints: ["a:e1", "b:e2"]\n`, 'x.yml'),
    ).toThrow(/"b:e2" names an unknown node/);
    expect(() => parseClab('just text', 'x.yml')).toThrow(/not a YAML mapping|name is missing/);
  });
});
