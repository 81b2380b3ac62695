import { describe, expect, it } from 'vitest';
import { controlPlaneSessionName, NOT_CONTROL_PLANE_SESSIONS, SESSION_KIND_LABEL } from './session-names.js';

describe('controlPlaneSessionName', () => {
  it('is cp.<node IP>.peer.<peer IP>, without a dash (service sessions, <peer>-<node>, always have one)', () => {
    const name = controlPlaneSessionName('10.0.1.10', '10.0.1.254');
    expect(name).toBe('cp.10.0.1.10.peer.10.0.1.254');
    expect(name).not.toContain('-');
    // A valid DNS subdomain (RFC 1123), as Kubernetes object names must be.
    expect(name).toMatch(/^[a-z0-9]([a-z0-9.]*[a-z0-9])?$/);
  });

  it('refuses an address that is not IPv4', () => {
    expect(() => controlPlaneSessionName('node-1', '10.0.1.254')).toThrow(
      'controlPlaneSessionName: node address "node-1" is not IPv4',
    );
    expect(() => controlPlaneSessionName('10.0.1.10', 'fd00::1')).toThrow(
      'controlPlaneSessionName: peer address "fd00::1" is not IPv4',
    );
  });

  it('the selector of service sessions excludes control-plane ones', () => {
    expect(SESSION_KIND_LABEL).toBe('bgplb.io/session-kind');
    expect(NOT_CONTROL_PLANE_SESSIONS).toBe('bgplb.io/session-kind!=control-plane');
  });
});
