import { describe, expect, it } from 'vitest';
import { applyDefaults, prune, validateSchema } from './schema.js';
import type { JsonSchema } from './types.js';

const schema: JsonSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['asn'],
      properties: {
        asn: { type: 'integer', minimum: 1, maximum: 10, not: { enum: [7] } },
        ratio: { type: 'number', exclusiveMinimum: true, minimum: 0, exclusiveMaximum: true, maximum: 1 },
        name: { type: 'string', minLength: 2, maxLength: 4, pattern: '^[a-z]+$' },
        mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        port: { 'x-kubernetes-int-or-string': true },
        flag: { type: 'boolean' },
        list: {
          type: 'array',
          minItems: 1,
          maxItems: 2,
          items: { type: 'object', properties: { x: { type: 'string', default: 'd' } } },
        },
        map: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { v: { type: 'integer', default: 3 } } },
        },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        open: { type: 'object', additionalProperties: true },
        nullable: { type: 'string', nullable: true },
        either: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
        one: {
          oneOf: [
            { type: 'integer', minimum: 5 },
            { type: 'integer', maximum: 6 },
          ],
        },
        all: { allOf: [{ type: 'integer' }, { minimum: 2 }] },
        embedded: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object' } },
        },
      },
    },
  },
};

describe('formats', () => {
  const f = (format: string, type = 'string'): JsonSchema => ({
    type: 'object',
    properties: { v: { type, format } },
  });
  it.each([
    ['date-time', '2026-01-02T03:04:05Z', true],
    ['date-time', '2026-01-02T03:04:05.123456+01:00', true],
    ['date-time', 'yesterday', false],
    ['date-time', '2026-13-45T03:04:05Z', false],
    ['date', '2026-01-02', true],
    ['date', '2026-1-2', false],
    ['ipv4', '10.0.0.1', true],
    ['ipv4', '10.0.0.256', false],
    ['ipv6', 'fd00::1', true],
    ['ipv6', '10.0.0.1', false],
    ['cidr', '10.0.0.0/8', true],
    ['cidr', 'fd00::/64', true],
    ['cidr', '10.0.0.0/33', false],
    ['cidr', '10.0.0.0', false],
    ['uuid', '0b6d3a1e-6a8e-4d2b-9a43-1f2e3d4c5b6a', true],
    ['uuid', 'nope', false],
    ['byte', 'aGVsbG8=', true],
    ['byte', 'a', false],
    ['hostname', 'anything', true],
  ])('%s %s -> %s', (format, value, ok) => {
    const errors = validateSchema({ v: value }, f(format));
    expect(errors.length === 0).toBe(ok);
    if (!ok)
      expect(errors[0]!.message).toBe(
        `Invalid value: "${value}": v in body must be of type ${format}: "${value}"`,
      );
  });

  it('checks int32 ranges', () => {
    expect(validateSchema({ v: 2 ** 31 }, f('int32', 'integer'))).toHaveLength(1);
    expect(validateSchema({ v: 2 ** 31 - 1 }, f('int32', 'integer'))).toHaveLength(0);
    expect(validateSchema({ v: 2 ** 40 }, f('int64', 'integer'))).toHaveLength(0);
  });
});

describe('structural schema', () => {
  it('prunes unknown fields and non-nullable nulls, keeping apiVersion, kind and metadata', () => {
    const obj = {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n', anything: 1 },
      spec: {
        asn: 1,
        bogus: 1,
        flag: null,
        nullable: null,
        list: [{ x: 'a', y: 1 }],
        map: { k: { v: 1, w: 2 } },
        free: { anything: { goes: 1 } },
        open: { a: 1 },
        embedded: { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: {}, other: 1 },
      },
      extra: true,
    };
    const pruned = prune(obj, schema);
    expect(pruned.sort()).toEqual([
      'extra',
      'spec.bogus',
      'spec.embedded.other',
      'spec.list[0].y',
      'spec.map.k.w',
    ]);
    expect(obj.spec).toEqual({
      asn: 1,
      nullable: null,
      list: [{ x: 'a' }],
      map: { k: { v: 1 } },
      free: { anything: { goes: 1 } },
      open: { a: 1 },
      embedded: { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: {} },
    });
    expect(prune({ a: 1 }, undefined)).toEqual([]);
  });

  it('applies defaults recursively', () => {
    const obj = { spec: { asn: 1, list: [{}], map: { k: {} } } };
    applyDefaults(obj, schema);
    expect(obj.spec).toEqual({ asn: 1, mode: 'a', list: [{ x: 'd' }], map: { k: { v: 3 } } });
    applyDefaults(obj, undefined);
  });

  it('validates types, bounds, enums, patterns, lengths, items, combinators and required fields', () => {
    const errors = validateSchema(
      {
        metadata: { name: 'x' },
        spec: {
          asn: 7,
          ratio: 1,
          name: 'ABCDE',
          mode: 'c',
          port: 1.5,
          flag: 'yes',
          list: [],
          either: true,
          one: 5,
          all: 1,
          nullable: null,
        },
      },
      schema,
    );
    const byField = Object.fromEntries(errors.map((e) => [e.field, e.message]));
    expect(Object.keys(byField).sort()).toEqual(
      [
        'spec.all',
        'spec.asn',
        'spec.either',
        'spec.flag',
        'spec.list',
        'spec.mode',
        'spec.name',
        'spec.one',
        'spec.port',
        'spec.ratio',
      ].sort(),
    );
    expect(byField['spec.asn']).toContain('must not validate the schema (not)');
    expect(byField['spec.mode']).toBe('Unsupported value: "c": supported values: "a", "b"');
    expect(byField['spec.flag']).toBe(
      'Invalid value: "string": spec.flag in body must be of type boolean: "string"',
    );
    expect(byField['spec.ratio']).toBe('Invalid value: 1: spec.ratio in body should be less than 1');
    expect(errors.filter((e) => e.field === 'spec.name').length).toBe(2);
    expect(validateSchema({ spec: {} }, schema)).toEqual([
      { field: 'spec.asn', reason: 'FieldValueRequired', message: 'Required value' },
    ]);
    expect(
      validateSchema({ spec: { asn: 0, list: [{}, {}, {}], name: 'a' } }, schema)
        .map((e) => e.field)
        .sort(),
    ).toEqual(['spec.asn', 'spec.list', 'spec.name']);
    expect(validateSchema({ spec: { asn: 11, ratio: 0 } }, schema).map((e) => e.field)).toEqual([
      'spec.asn',
      'spec.ratio',
    ]);
    expect(validateSchema({ spec: null }, schema)[0]!.message).toContain('must be of type object: "null"');
    expect(validateSchema({ spec: { asn: 1, list: [{ x: 1 }] } }, schema)[0]!.field).toBe('spec.list[0].x');
    expect(validateSchema({ spec: { asn: [] } }, schema)[0]!.message).toContain('"array"');
    expect(validateSchema({ spec: { asn: 1.5 } }, schema)[0]!.message).toContain('"number"');
  });
});
