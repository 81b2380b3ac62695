import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  describeValue,
  formatPath,
  formatProblem,
  issuesToProblems,
  parsePath,
  problem,
} from './problems.js';

describe('paths', () => {
  it('formats and parses paths with indexes and label keys', () => {
    const segments = ['spec', 'peerSelector', 'cluster.baremetal.gke.io/default-peer'];
    expect(formatPath(segments)).toBe('spec.peerSelector["cluster.baremetal.gke.io/default-peer"]');
    expect(parsePath(formatPath(segments))).toEqual(segments);
    expect(formatPath(['spec', 'loadBalancer', 'bgpPeers', 1, 'asn'])).toBe(
      'spec.loadBalancer.bgpPeers[1].asn',
    );
    expect(parsePath('')).toEqual([]);
    expect(() => parsePath('spec..x')).toThrow(/cannot read path/);
  });

  it('round-trips any path', () => {
    const segment = fc.oneof(fc.string(), fc.nat());
    fc.assert(
      fc.property(fc.array(segment), (segments) => {
        expect(parsePath(formatPath(segments))).toEqual(segments);
      }),
    );
  });
});

describe('formatProblem', () => {
  it('renders file problems, warnings and object problems', () => {
    const p = problem(['spec', 'sessions'], 'too many', 'warning', 'BGPPeer/p');
    expect(formatProblem(p)).toBe('BGPPeer/p: warning: spec.sessions: too many');
    expect(formatProblem({ ...p, severity: 'error', file: 'c.yaml', line: 3, column: 5 })).toBe(
      'c.yaml:3:5: spec.sessions: too many',
    );
    expect(formatProblem(problem([], 'whole object'))).toBe('whole object');
  });

  it('describes values as written', () => {
    expect(describeValue(null)).toBe('null (an empty value)');
    expect(describeValue([1])).toBe('a list');
    expect(describeValue({})).toBe('a mapping');
    expect(describeValue(true)).toBe('the boolean true');
    expect(describeValue(undefined)).toBe('undefined');
  });
});

describe('issuesToProblems', () => {
  const schema = z.strictObject({
    list: z.array(z.number()).min(2).max(3),
    name: z.string().min(1).max(3),
    n: z.number().int().min(1).max(9),
    mode: z.enum(['a', 'b']),
    when: z.iso.datetime().optional(),
    id: z.string().regex(/^x/).optional(),
    step: z.number().multipleOf(5).optional(),
  });
  const messages = (input: unknown) => {
    const r = schema.safeParse(input, { reportInput: true });
    return r.success ? [] : issuesToProblems(r.error.issues).map((p) => p.message);
  };

  it('says what is wrong with each field, with the value', () => {
    expect(messages({ list: [1], name: '', n: 0, mode: 'c', when: 'yesterday', id: 'y', step: 7 })).toEqual([
      'list: needs at least 2 entries',
      'name: must not be empty',
      'n: 0 is below the minimum 1',
      'mode: expected "a" or "b", got the string "c"',
      'when: the string "yesterday" is not an RFC 3339 timestamp such as 2025-01-02T03:04:05Z',
      'id: the string "y" Invalid string: must match pattern /^x/',
      'step: expected an integer, got the number 7',
    ]);
    expect(messages({ list: [1, 2, 3, 4], name: 'long', n: 10, mode: 'a' })).toEqual([
      'list: is longer than the maximum of 3',
      'name: is longer than the maximum of 3',
      'n: 10 is above the maximum 9',
    ]);
    expect(messages({ list: [1, 2], name: 'x', n: 1.5, mode: 'a', extra: 1 })).toEqual([
      'extra: unknown field "extra"',
      'n: expected an integer, got the number 1.5',
    ]);
    expect(messages({ list: 'x', name: 'x', mode: 'a' })).toEqual([
      'list: expected a list, got the string "x"',
      'n: required field is missing',
    ]);
  });
});
