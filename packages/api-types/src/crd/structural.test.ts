import { describe, expect, it } from 'vitest';
import { toStructural } from './structural.js';

describe('toStructural', () => {
  it('removes what a structural schema may not hold', () => {
    expect(
      toStructural({
        $schema: 'x',
        type: 'object',
        additionalProperties: false,
        properties: {
          labels: {
            type: 'object',
            propertyNames: { type: 'string' },
            additionalProperties: { type: 'string' },
          },
          loose: { type: 'object', properties: {}, additionalProperties: {} },
          when: { type: 'string', format: 'date-time', pattern: '^.*$' },
          list: {
            type: 'array',
            items: { type: 'object', properties: { a: { type: 'integer' } }, additionalProperties: false },
          },
        },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        loose: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        when: { type: 'string', format: 'date-time' },
        list: { type: 'array', items: { type: 'object', properties: { a: { type: 'integer' } } } },
      },
    });
  });

  it('refuses schemas that cannot become structural', () => {
    expect(() => toStructural({ $ref: '#/$defs/x' })).toThrow('#: $ref/$defs cannot appear in a CRD schema');
    expect(() =>
      toStructural({ type: 'object', properties: { a: { anyOf: [{ type: 'string' }] } } }),
    ).toThrow('#/properties/a: anyOf is not supported');
    expect(() => toStructural({ type: 'array', items: { description: 'x' } })).toThrow(
      '#/items: every node of a structural schema needs a type',
    );
  });
});
