import { describe, expect, it } from 'vitest';
import { formatListenAddress, parseListenAddress } from './listen-address.js';

describe('parseListenAddress', () => {
  it.each([
    ['8080', undefined, 8080],
    [':8080', undefined, 8080],
    ['0', undefined, 0],
    ['127.0.0.1:8080', '127.0.0.1', 8080],
    ['0.0.0.0:9100', '0.0.0.0', 9100],
    ['localhost:8081', 'localhost', 8081],
    ['[::1]:8080', '::1', 8080],
    ['[::]:80', '::', 80],
    ['[fd00::1:2]:65535', 'fd00::1:2', 65535],
  ])('%j -> host %j port %j', (text, host, port) => {
    expect(parseListenAddress(text)).toEqual({ host, port });
  });

  it.each([
    ['', 'no port'],
    ['127.0.0.1', 'port "127.0.0.1"'],
    ['127.0.0.1:', 'no port'],
    ['host:99999', 'port "99999" is not a number from 0 to 65535'],
    ['a:b', 'port "b"'],
    ['::1:8080', 'an IPv6 address needs brackets'],
    ['[::1:8080', 'missing "]"'],
    ['[::1]8080', 'missing ":PORT"'],
    ['[10.0.0.1]:80', '"10.0.0.1" is not an IPv6 address'],
    ['300.1.1.1:80', '"300.1.1.1" is neither an IPv4 address nor a host name'],
    ['bad host:80', '"bad host" is neither'],
    ['-8080', 'port "-8080"'],
  ])('refuses %j (%s)', (text, why) => {
    expect(() => parseListenAddress(text)).toThrow(`invalid address "${text}": ${why}`);
    expect(() => parseListenAddress(text)).toThrow('e.g. 8080, :8080, 127.0.0.1:8080, [::1]:8080');
  });
});

describe('formatListenAddress', () => {
  it('writes each form back', () => {
    expect(formatListenAddress({ host: undefined, port: 8080 })).toBe(':8080');
    expect(formatListenAddress({ host: '127.0.0.1', port: 80 })).toBe('127.0.0.1:80');
    expect(formatListenAddress({ host: '::1', port: 80 })).toBe('[::1]:80');
  });
});
