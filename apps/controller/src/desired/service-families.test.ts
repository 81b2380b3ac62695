import { describe, expect, it } from 'vitest';
import type { ServiceObject } from '../types.js';
import { classifyService, isCandidate, type ServiceCandidate } from './service-decision.js';
import { familyParts, serviceFamiliesCached } from './service-families.js';

const dualService = (name: string): ServiceObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { type: 'LoadBalancer', ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'RequireDualStack' },
  status: { loadBalancer: { ingress: [{ ip: '2001:db8::5' }, { ip: '10.0.0.5' }] } },
});

function candidate(s: ServiceObject, lb = 'lb'): ServiceCandidate {
  const c = classifyService(s, 'bgplb', lb, false);
  if (!isCandidate(c)) throw new Error('not a candidate');
  return c;
}

const BOTH = new Set([4, 6] as const);

describe('familyParts', () => {
  it('one part per family, the primary with the plain route name and the Service key', () => {
    const s = dualService('web');
    const f = serviceFamiliesCached(s, BOTH);
    if (!f.ok) throw new Error(f.error);
    const parts = familyParts(candidate(s), f);
    expect(parts.map((p) => [p.family, p.route, p.allocKey, p.current])).toEqual([
      [6, 'lb-default-web', 'default/web', '2001:db8::5'],
      [4, 'lb-default-web-ipv4', 'default/web (IPv4)', '10.0.0.5'],
    ]);
  });

  it('answers the same parts again for the same Service object and an equal candidate', () => {
    const s = dualService('web');
    const f = serviceFamiliesCached(s, BOTH);
    if (!f.ok) throw new Error(f.error);
    // A new candidate object each pass, as classifyService builds one: the parts are reused.
    const first = familyParts(candidate(s), f);
    expect(familyParts(candidate(s), f)).toBe(first);
  });

  it('builds new parts when the candidate differs (another load balancer name, another object)', () => {
    const s = dualService('web');
    const f = serviceFamiliesCached(s, BOTH);
    if (!f.ok) throw new Error(f.error);
    const first = familyParts(candidate(s), f);
    const renamed = familyParts(candidate(s, 'other'), f);
    expect(renamed).not.toBe(first);
    expect(renamed.map((p) => p.route)).toEqual(['other-default-web', 'other-default-web-ipv4']);
    // A replaced Service object (an informer update) gets its own answer and parts.
    const replaced = dualService('web');
    const g = serviceFamiliesCached(replaced, BOTH);
    if (!g.ok) throw new Error(g.error);
    const again = familyParts(candidate(replaced, 'other'), g);
    expect(again).not.toBe(renamed);
    expect(again[0]!.s).toBe(replaced);
  });
});
