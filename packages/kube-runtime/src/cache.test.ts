import { describe, expect, it } from 'vitest';
import { byLabel, ObjectCache } from './cache.js';
import type { KubeObject } from './types.js';

const obj = (name: string, namespace?: string, labels?: Record<string, string>): KubeObject => ({
  metadata: {
    name,
    ...(namespace ? { namespace } : {}),
    ...(labels ? { labels } : {}),
    resourceVersion: '1',
  },
});

describe('ObjectCache', () => {
  it('keys by namespace/name, lists (shared snapshot until a change), indexes and re-indexes', () => {
    const c = new ObjectCache<KubeObject>({
      zone: byLabel('zone'),
      names: (o) => [o.metadata.name, o.metadata.name.toUpperCase()],
    });
    expect(c.set(obj('n1', undefined, { zone: 'a' }))).toBeUndefined();
    c.set(obj('s1', 'ns', { zone: 'a' }));
    c.set(obj('s2', 'ns'));
    expect(c.size).toBe(3);
    expect(c.get('n1')?.metadata.name).toBe('n1');
    expect(c.get('s1', 'ns')?.metadata.name).toBe('s1');
    expect(c.getByKey('ns/s2')?.metadata.name).toBe('s2');
    expect(c.has('ns/s1')).toBe(true);
    expect([...c.keys()]).toEqual(['n1', 'ns/s1', 'ns/s2']);
    const all = c.list();
    expect(c.list()).toBe(all);
    expect(c.list('ns').map((o) => o.metadata.name)).toEqual(['s1', 's2']);
    expect(c.byIndex('zone', 'a').map((o) => o.metadata.name)).toEqual(['n1', 's1']);
    expect(c.byIndex('names', 'S2').map((o) => o.metadata.name)).toEqual(['s2']);
    // Moving s1 to zone b re-indexes it; the old value disappears once empty.
    const old = c.set(obj('s1', 'ns', { zone: 'b' }));
    expect(old?.metadata.labels).toEqual({ zone: 'a' });
    expect(c.list()).not.toBe(all);
    expect(c.indexValues('zone').sort()).toEqual(['a', 'b']);
    c.delete('n1');
    expect(c.indexValues('zone')).toEqual(['b']);
    expect(c.byIndex('zone', 'a')).toEqual([]);
    expect(c.delete('n1')).toBeUndefined();
    expect(() => c.byIndex('nope', 'x')).toThrow('no index named "nope"');
    expect(() => c.indexValues('nope')).toThrow('no index named "nope"');
  });
});
