import { DEFAULT_TIMERS } from '@bgplb/api-types';
import { DEFAULT_FSM_TIMERS } from '@bgplb/bgp-fsm';
import { UsageError } from '@bgplb/kube-runtime/process';
import { describe, expect, it } from 'vitest';
import { agentUsage, parseAgentArgs } from './options.js';

describe('parseAgentArgs', () => {
  it('defaults ConnectRetry to the one documented value, the one the session FSM uses', () => {
    expect(DEFAULT_TIMERS.connectRetryTime).toBe(DEFAULT_FSM_TIMERS.connectRetryTime);
  });

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
      exitDrain: { delayMs: 15_000, medIncrease: 0, asPathPrepend: 0 },
      handover: 'cease',
      arpCount: 3,
      floatingIPLeases: { namespace: 'kube-system', renewMs: 1000, expiryMs: 3000 },
    });
  });

  it('--on-exit drain with its delay and fallback flags', () => {
    const env = { NODE_NAME: 'n', CLUSTER_NAMESPACE: 'c' };
    const o = parseAgentArgs(
      ['--on-exit=drain', '--drain-delay=20s', '--drain-med-increase=100', '--drain-as-path-prepend=2'],
      env,
    );
    expect(o !== 'help' && [o.onExit, o.exitDrain]).toEqual([
      'drain',
      { delayMs: 20_000, medIncrease: 100, asPathPrepend: 2 },
    ]);
    expect(() => parseAgentArgs(['--drain-as-path-prepend=11'], env)).toThrow(/--drain-as-path-prepend/);
  });

  it('floating-IP Leases: flags, off with --lease-expiry 0, and a renew period shorter than the expiry', () => {
    const env = { NODE_NAME: 'n', CLUSTER_NAMESPACE: 'c' };
    const on = parseAgentArgs(['--lease-namespace=bgplb', '--lease-renew=500ms', '--lease-expiry=2s'], env);
    expect(on !== 'help' && on.floatingIPLeases).toEqual({
      namespace: 'bgplb',
      renewMs: 500,
      expiryMs: 2000,
    });
    const off = parseAgentArgs(['--lease-expiry=0'], env);
    expect(off !== 'help' && off.floatingIPLeases).toBeUndefined();
    expect(() => parseAgentArgs(['--lease-renew=3s', '--lease-expiry=3s'], env)).toThrow(
      /--lease-renew \(3000 ms\) must be shorter than --lease-expiry \(3000 ms\)/,
    );
    expect(() => parseAgentArgs(['--lease-renew=10ms'], env)).toThrow(/at least 50ms/);
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
    const refusals: Array<[string[], string]> = [
      [['--bgp-port', '70000'], '--bgp-port: expected an integer from 1 to 65535, got "70000"'],
      [
        ['--log-level', 'loud'],
        '--log-level: expected trace, debug, info, warn, error, fatal or silent, got "loud"',
      ],
      [['--log-format', 'xml'], '--log-format: expected json or pretty, got "xml"'],
      [['--on-exit', 'never'], '--on-exit: expected withdraw, graceful-restart or drain, got "never"'],
      [
        ['--heartbeat', 'soon'],
        '--heartbeat: expected a duration such as 30s, 500ms, 2m or 1m30s, got "soon"',
      ],
      [['--heartbeat', '10ms'], '--heartbeat: expected at least 1s, got "10ms"'],
      [['--handover', 'fast'], '--handover: expected cease or graceful, got "fast"'],
      [
        ['--health-addr', '::1:8081'],
        '--health-addr: invalid address "::1:8081": an IPv6 address needs brackets',
      ],
      [['--bogus'], "unknown option '--bogus'"],
      [['extra'], 'too many arguments'],
    ];
    for (const [argv, message] of refusals) {
      expect(() => parseAgentArgs(argv, env)).toThrow(UsageError);
      expect(() => parseAgentArgs(argv, env)).toThrow(message);
    }
  });

  it('takes the one listening-address syntax and generates its help', () => {
    const env = { NODE_NAME: 'n', CLUSTER_NAMESPACE: 'c' };
    for (const addr of ['8081', ':8081', '127.0.0.1:8081', '[::1]:8081']) {
      expect(parseAgentArgs([`--health-addr=${addr}`], env)).toMatchObject({ healthAddr: addr });
    }
    const help = agentUsage();
    expect(help).toContain('Usage: bgpadvertiser agent --node-name NAME [options]');
    expect(help).toMatch(/--on-exit <mode>\s+withdraw: SIGTERM withdraws routes/);
    expect(help).toMatch(
      /--arp-count <n>\s+gratuitous ARPs \(IPv4\) or unsolicited neighbor\s+advertisements\s+\(IPv6\)\s+per\s+floating\s+IP\s+added\s+\(0\s+=\s+none\)\s+\(default:\s+3\)/,
    );
  });
});
