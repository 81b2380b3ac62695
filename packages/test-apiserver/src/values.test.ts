import { describe, expect, it } from 'vitest';
import { deepEqual } from './deep.js';
import { ageOf, humanDuration, rfc3339 } from './duration.js';
import { evalJsonPath, parseJsonPath } from './jsonpath.js';
import { compareKubeVersions, sortKubeVersions } from './versions.js';

describe('humanDuration (k8s.io/apimachinery duration.HumanDuration)', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  it.each([
    [-5 * s, '<invalid>'],
    [-1 * s, '0s'],
    [0, '0s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [2 * m + 5 * s, '2m5s'],
    [10 * m, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [3 * h + 20 * m, '3h20m'],
    [8 * h, '8h'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [2 * d + 5 * h, '2d5h'],
    [8 * d, '8d'],
    [800 * d, '2y70d'],
    [730 * d, '2y'],
    [9 * 365 * d, '9y'],
  ])('%d ms -> %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it('renders ages of timestamps', () => {
    expect(ageOf('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:01:00Z'))).toBe('60s');
    expect(ageOf(undefined)).toBe('<unknown>');
    expect(ageOf('yesterday')).toBe('<invalid>');
    expect(rfc3339(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05Z');
  });
});

describe('simple JSONPath', () => {
  const obj = {
    spec: { localASN: 65500, hops: ['a', 'b'], m: { 'a.b': 1 } },
    status: { conditions: [{ type: 'Ready' }, { type: 'Other' }] },
  };
  it.each([
    ['.spec.localASN', [65500]],
    ['{.spec.localASN}', [65500]],
    ['$.spec.localASN', [65500]],
    ['.spec.hops[1]', ['b']],
    ['.spec.hops[-1]', ['b']],
    ['.spec.hops[5]', []],
    ['.spec.hops[*]', ['a', 'b']],
    ['.spec.hops.*', ['a', 'b']],
    [".spec.m['a.b']", [1]],
    ['.status.conditions[0].type', ['Ready']],
    ['.status.conditions[*].type', ['Ready', 'Other']],
    ['.spec.*', [65500, ['a', 'b'], { 'a.b': 1 }]],
    ['.missing.x', []],
    ['.spec.localASN.x', []],
    ['.spec.hops[0].x', []],
  ])('%s', (path, expected) => {
    expect(evalJsonPath(obj, path)).toEqual(expected);
  });

  it('refuses what printer columns cannot use', () => {
    expect(() => parseJsonPath('.a[?(@.x)]')).toThrow(/unsupported/);
    expect(() => parseJsonPath('.a[0')).toThrow(/unterminated/);
    expect(() => parseJsonPath('a')).toThrow(/unsupported/);
  });
});

describe('Kubernetes version priority', () => {
  it('orders GA before beta before alpha, then by number, then others', () => {
    expect(sortKubeVersions(['v1alpha1', 'foo', 'v2', 'v1beta2', 'v1', 'v1beta1', 'bar', 'v10'])).toEqual([
      'v10',
      'v2',
      'v1',
      'v1beta2',
      'v1beta1',
      'v1alpha1',
      'bar',
      'foo',
    ]);
    expect(compareKubeVersions('v1', 'v1')).toBe(0);
    expect(compareKubeVersions('x', 'x')).toBe(0);
  });
});

describe('deepEqual', () => {
  it('compares JSON structurally', () => {
    expect(deepEqual({ a: [1, { b: 2 }], c: undefined }, { a: [1, { b: 2 }] })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(deepEqual([1], { 0: 1 })).toBe(false);
    expect(deepEqual([1, 2], [1])).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
    expect(deepEqual({ a: 1 }, { b: 1 })).toBe(false);
  });
});
