import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ApiError, describeError, isStatus } from './errors.js';

describe('isStatus and describeError', () => {
  it('recognise our ApiError, client-node ApiException and watch errors by status', () => {
    const ours = new ApiError(404, 'NotFound', 'GET /x: 404 not found');
    const theirs = new ApiException(
      409,
      'Conflict',
      JSON.stringify({ message: 'the object has been modified' }),
      {},
    );
    const watch = Object.assign(new Error('Gone'), { statusCode: 410 });
    expect([isStatus(ours, 404), isStatus(ours, 409)]).toEqual([true, false]);
    expect([isStatus(theirs, 409), isStatus(watch, 410), isStatus('410', 410), isStatus(null, 410)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(describeError(ours)).toBe('GET /x: 404 not found');
    expect(describeError(theirs)).toBe('HTTP 409: the object has been modified');
    expect(describeError(new ApiException(500, 'x', 'plain text body', {}))).toBe(
      'HTTP 500: plain text body',
    );
    expect(describeError(new ApiException(403, 'x', { message: 'forbidden' }, {}))).toBe(
      'HTTP 403: forbidden',
    );
    expect(describeError(new ApiException(502, 'x', undefined, {}))).toBe('HTTP 502');
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError(42)).toBe('42');
  });
});
