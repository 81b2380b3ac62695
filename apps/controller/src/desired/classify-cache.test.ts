import { describe, expect, it } from 'vitest';
import type { ServiceObject } from '../types.js';
import { classifyService, classifyServiceCached, isCandidate } from './service-decision.js';

const service = (name: string, etp: 'Cluster' | 'Local' = 'Cluster'): ServiceObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { type: 'LoadBalancer', externalTrafficPolicy: etp },
});

describe('classifyServiceCached', () => {
  it('answers classifyService, and the same object again for the same Service object and arguments', () => {
    const s = service('web');
    const first = classifyServiceCached(s, 'bgplb', 'lb', false);
    expect(first).toEqual(classifyService(s, 'bgplb', 'lb', false));
    expect(classifyServiceCached(s, 'bgplb', 'lb', false)).toBe(first);
  });

  it('classifies again when an argument or the Service object changes', () => {
    const s = service('web', 'Local');
    const first = classifyServiceCached(s, 'bgplb', 'lb', false);
    expect(isCandidate(first) && first.route).toBe('lb-default-web');
    const renamed = classifyServiceCached(s, 'bgplb', 'other', false);
    expect(isCandidate(renamed) && renamed.route).toBe('other-default-web');
    // externalTrafficPolicy Local refused: a decision without a VIP instead of a candidate.
    expect(isCandidate(classifyServiceCached(s, 'bgplb', 'other', true))).toBe(false);
    const replaced = { ...s, spec: { ...s.spec, externalTrafficPolicy: 'Cluster' } } as ServiceObject;
    const ours = classifyServiceCached(replaced, 'bgplb', 'other', true);
    expect(isCandidate(ours) && ours.s).toBe(replaced);
  });
});
