import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldValue, matchesFields, parseFieldSelector } from './fields.js';
import { matchesLabels, parseLabelSelector } from './labels.js';
import { ApiError } from './status.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/zone': 'z1', weight: '5' };
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['app notin (db)', true],
    ['missing notin (db)', true],
    ['app notin (web)', false],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['example.com/zone=z1', true],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['app in (web, db),tier', true],
    ['weight>3', true],
    ['weight<3', false],
    ['app>3', false],
    ['app=', false],
  ])('%s -> %s', (sel, expected) => {
    expect(matchesLabels(parseLabelSelector(sel), labels)).toBe(expected);
  });

  it.each(['a in (', 'a in ()', 'Bad Key=1', 'a=b c', 'a>x', ',', 'a=b)'])('refuses %s with 400', (sel) => {
    try {
      parseLabelSelector(sel);
      expect.unreachable(`${sel} parsed`);
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe(400);
    }
  });

  it('treats absent labels as an empty set', () => {
    expect(matchesLabels(parseLabelSelector('!a'), undefined)).toBe(true);
    expect(matchesLabels(parseLabelSelector('a'), undefined)).toBe(false);
  });

  it('matches every equality selector built from the labels themselves', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
    fc.assert(
      fc.property(fc.dictionary(key, key, { minKeys: 1 }), (l) => {
        const sel = Object.entries(l)
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        return (
          matchesLabels(parseLabelSelector(sel), l) &&
          !matchesLabels(parseLabelSelector(`${sel},zzzzzzzzzz`), l)
        );
      }),
    );
  });
});

describe('field selectors', () => {
  const obj = {
    metadata: { name: 'n', namespace: 'ns' },
    spec: { nodeName: 'a,b', port: 80, on: true, nested: { x: 1 } },
  };
  it.each([
    ['metadata.name=n', true],
    ['metadata.name==n', true],
    ['metadata.name!=n', false],
    ['metadata.namespace=ns,metadata.name=n', true],
    ['spec.nodeName=a\\,b', true],
    ['spec.port=80', true],
    ['spec.on=true', true],
    ['spec.missing=', true],
    ['spec.missing.deeper=x', false],
    ['spec.nested={"x":1}', true],
    ['', true],
  ])('%s -> %s', (sel, expected) => {
    expect(matchesFields(parseFieldSelector(sel), obj)).toBe(expected);
  });

  it('refuses terms without an operator', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow(/invalid selector/);
    expect(() => parseFieldSelector('=x')).toThrow(/invalid selector/);
  });

  it('reads dotted paths', () => {
    expect(fieldValue(obj, 'spec.nodeName')).toBe('a,b');
    expect(fieldValue(obj, 'metadata.labels.x')).toBe('');
  });
});
