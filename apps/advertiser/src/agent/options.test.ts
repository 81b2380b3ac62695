import { describe, expect, it } from 'vitest';
import { parseAgentArgs } from './options.js';

describe('parseAgentArgs', () => {
  it('has safe defaults and reads NODE_NAME / CLUSTER_NAMESPACE from the environment', () => {
    expect(parseAgentArgs([], { NODE_NAME: 'node-a', CLUSTER_NAMESPACE: 'cluster-demo' })).toEqual({
      nodeName: 'node-a',
      kubeconfig: undefined,
      clusterNamespace: 'cluster-demo',
      statusNamespace: 'kube-system',
      healthAddr: '127.0.0.1:8081',
      logLevel: 'info',
      logFormat: 'json',
      interface: undefined,
      bgpPort: 179,
      gracefulRestartTime: 120,
      connectRetryTime: 5,
      heartbeatMs: 30_000,
      onExit: 'withdraw',
      handover: 'cease',
      arpCount: 3,
    });
  });

  it('takes every flag', () => {
    const o = parseAgentArgs(
      [
        '--node-name=n1',
        '--kubeconfig',
        '/tmp/kc',
        '--cluster-namespace',
        'cluster-x',
        '--status-namespace',
        'bgp',
        '--health-addr',
        ':9000',
        '--log-level',
        'debug',
        '--log-format',
        'pretty',
        '--interface',
        'eth1',
        '--bgp-port',
        '1179',
        '--graceful-restart-time',
        '60',
        '--connect-retry-time',
        '1',
        '--heartbeat',
        '10s',
        '--on-exit',
        'graceful-restart',
        '--arp-count',
        '0',
        '--handover',
        'graceful',
      ],
      {},
    );
    expect(o).toMatchObject({
      nodeName: 'n1',
      kubeconfig: '/tmp/kc',
      clusterNamespace: 'cluster-x',
      statusNamespace: 'bgp',
      healthAddr: ':9000',
      logLevel: 'debug',
      logFormat: 'pretty',
      interface: 'eth1',
      bgpPort: 1179,
      gracefulRestartTime: 60,
      connectRetryTime: 1,
      heartbeatMs: 10_000,
      onExit: 'graceful-restart',
      handover: 'graceful',
      arpCount: 0,
    });
    expect(parseAgentArgs(['-h'], {})).toBe('help');
  });

  it('refuses bad command lines with a message that names the flag', () => {
    const env = { NODE_NAME: 'n', CLUSTER_NAMESPACE: 'c' };
    expect(() => parseAgentArgs([], {})).toThrow(
      '--node-name (or the NODE_NAME environment variable) is required',
    );
    expect(() => parseAgentArgs([], { NODE_NAME: 'n' })).toThrow(/--cluster-namespace .* is required/);
    expect(() => parseAgentArgs(['--bgp-port', '70000'], env)).toThrow(
      '--bgp-port must be an integer in 1..65535, got "70000"',
    );
    expect(() => parseAgentArgs(['--log-level', 'loud'], env)).toThrow(/--log-level must be one of/);
    expect(() => parseAgentArgs(['--log-format', 'xml'], env)).toThrow(/--log-format must be json or pretty/);
    expect(() => parseAgentArgs(['--on-exit', 'never'], env)).toThrow(
      /--on-exit must be withdraw or graceful-restart/,
    );
    expect(() => parseAgentArgs(['--heartbeat', 'soon'], env)).toThrow(/^--heartbeat: /);
    expect(() => parseAgentArgs(['--heartbeat', '10ms'], env)).toThrow('--heartbeat must be at least 1s');
    expect(() => parseAgentArgs(['--handover', 'fast'], env)).toThrow(/--handover must be cease or graceful/);
    expect(() => parseAgentArgs(['--bogus'], env)).toThrow(/Unknown option '--bogus'/);
  });
});
