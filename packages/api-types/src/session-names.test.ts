import { describe, expect, it } from 'vitest';
import {
  addressNamePart,
  controlPlaneSessionName,
  NOT_CONTROL_PLANE_SESSIONS,
  SESSION_KIND_LABEL,
} from './session-names.js';

describe('controlPlaneSessionName', () => {
  it('is cp.<node IP>.peer.<peer IP>, without a dash (service sessions, <peer>-<node>, always have one)', () => {
    const name = controlPlaneSessionName('10.0.1.10', '10.0.1.254');
    expect(name).toBe('cp.10.0.1.10.peer.10.0.1.254');
    expect(name).not.toContain('-');
    // A valid DNS subdomain (RFC 1123), as Kubernetes object names must be.
    expect(name).toMatch(/^[a-z0-9]([a-z0-9.]*[a-z0-9])?$/);
  });

  it('writes IPv6 with x for each colon: still a DNS subdomain without a dash', () => {
    const name = controlPlaneSessionName('2001:db8:1::10', '2001:db8:1::fe');
    expect(name).toBe('cp.2001xdb8x1xx10.peer.2001xdb8x1xxfe');
    expect(name).toMatch(/^[a-z0-9]([a-z0-9.]*[a-z0-9])?$/);
    expect(addressNamePart('10.0.0.1')).toBe('10.0.0.1');
    expect(addressNamePart('::1')).toBe('xx1');
  });

  it('refuses what is no usable address', () => {
    expect(() => controlPlaneSessionName('node-1', '10.0.1.254')).toThrow(
      'controlPlaneSessionName: node address "node-1": "node-1" is not a valid IPv4 (a.b.c.d) or IPv6 address',
    );
    expect(() => controlPlaneSessionName('10.0.1.10', 'FD00::1')).toThrow(
      'controlPlaneSessionName: peer address "FD00::1": FD00::1 is not in RFC 5952 form; write fd00::1',
    );
  });

  it('the selector of service sessions excludes control-plane ones', () => {
    expect(SESSION_KIND_LABEL).toBe('bgplb.io/session-kind');
    expect(NOT_CONTROL_PLANE_SESSIONS).toBe('bgplb.io/session-kind!=control-plane');
  });
});
