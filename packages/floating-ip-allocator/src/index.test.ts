import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('public API', () => {
  it('exports the contract functions', () => {
    const fns = [
      api.assignFloatingIPs,
      api.parsePools,
      api.allocateServiceVIPs,
      api.selectNextHops,
      api.rendezvousTopK,
      api.inSubnet,
    ];
    for (const fn of fns) expect(typeof fn).toBe('function');
    expect(typeof api.VipAllocator).toBe('function');
  });

  it('keeps inSubnet from the seed', () => {
    expect(api.inSubnet('10.0.1.100', '10.0.1.0/24')).toBe(true);
    expect(api.inSubnet('10.0.2.100', '10.0.1.0/24')).toBe(false);
    expect(api.inSubnet('bad', '10.0.1.0/24')).toBe(false);
  });

  it('returns JSON-serialisable results', () => {
    const r = api.assignFloatingIPs({
      floatingIPs: ['10.0.1.100'],
      nodes: [{ name: 'n1', addresses: ['10.0.1.10/24'], ready: true }],
      now: 0,
      graceSeconds: 30,
    });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    const v = api.allocateServiceVIPs({
      pools: [{ name: 'p', addresses: ['10.0.0.0/30'] }],
      services: [{ key: 'a/b' }],
    });
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
  });
});
