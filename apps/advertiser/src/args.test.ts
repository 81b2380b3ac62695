import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseCommandLine, type RunOptions, UsageError, usage } from './args.js';

describe('parseCommandLine: run', () => {
  it('parses the spec command line with defaults', () => {
    expect(parseCommandLine(['--config', '/tmp/bgpadvertiser.conf', '--advertise-ip', '10.0.0.8'])).toEqual({
      command: 'run',
      source: { kind: 'config', config: '/tmp/bgpadvertiser.conf', advertiseIps: ['10.0.0.8'] },
      healthAddr: '127.0.0.1:8080',
      logLevel: 'info',
      logFormat: 'json',
    });
  });

  it('--advertise-ip twice: one VIP of each family, in the order given; two of one family refused', () => {
    const cmd = parseCommandLine([
      '--config',
      'c',
      '--advertise-ip',
      '2001:DB8::0008',
      '--advertise-ip',
      '10.0.0.8',
    ]);
    expect(cmd).toMatchObject({ source: { kind: 'config', advertiseIps: ['2001:db8::8', '10.0.0.8'] } });
    expect(() =>
      parseCommandLine(['--config', 'c', '--advertise-ip', '10.0.0.8', '--advertise-ip', '10.0.0.9']),
    ).toThrow(
      new UsageError(
        '--advertise-ip: at most one VIP per family: 10.0.0.8 and 10.0.0.9 are both IPv4 (give one IPv4 and one IPv6 VIP)',
      ),
    );
  });

  it('parses every option', () => {
    const cmd = parseCommandLine([
      '--config=c.yaml',
      '--advertise-ip=10.0.0.8',
      '--health-addr',
      ':9090',
      '--log-level',
      'debug',
      '--log-format',
      'pretty',
      '--vip-interface',
      'lo',
      '--check-url',
      'https://127.0.0.1:6443/readyz',
      '--check-interval',
      '1s',
      '--check-timeout',
      '500ms',
      '--check-failure-threshold',
      '2',
      '--check-success-threshold',
      '3',
      '--check-ca',
      '/etc/kubernetes/pki/ca.crt',
      '--peer-port',
      '1179',
      '--on-exit',
      'graceful-restart',
    ]);
    expect(cmd).toEqual({
      command: 'run',
      source: { kind: 'config', config: 'c.yaml', advertiseIps: ['10.0.0.8'] },
      healthAddr: ':9090',
      logLevel: 'debug',
      logFormat: 'pretty',
      vipInterface: 'lo',
      peerPort: 1179,
      onExit: 'graceful-restart',
      check: {
        url: 'https://127.0.0.1:6443/readyz',
        intervalMs: 1000,
        timeoutMs: 500,
        failureThreshold: 2,
        successThreshold: 3,
        caFile: '/etc/kubernetes/pki/ca.crt',
        insecure: false,
      },
    });
  });

  it.each([
    [['--advertise-ip', '10.0.0.8'], '--config FILE (or --cluster-config FILE) is required'],
    [['--cluster-config', 'k', '--config', 'c'], '--config and --cluster-config exclude each other'],
    [
      ['--cluster-config', 'k', '--advertise-ip', '10.0.0.8'],
      "--advertise-ip is not used with --cluster-config: the VIP is the Cluster's vips.controlPlaneVIP",
    ],
    [
      ['--config', 'c', '--advertise-ip', '10.0.0.8', '--node-ip', '10.0.1.10'],
      '--node-ip needs --cluster-config or --cluster',
    ],
    [
      ['--config', 'c', '--advertise-ip', '10.0.0.8', '--no-check'],
      '--no-check needs --cluster-config or --cluster',
    ],
    [['--cluster', 'cluster-bm/bm', '--config', 'c'], '--cluster and --config exclude each other'],
    [
      ['--cluster', 'cluster-bm/bm', '--cluster-config', 'k'],
      '--cluster and --cluster-config exclude each other',
    ],
    [
      ['--cluster', 'cluster-bm/bm', '--advertise-ip', '10.0.0.8'],
      "--advertise-ip is not used with --cluster: the VIP is the Cluster's vips.controlPlaneVIP",
    ],
    [['--cluster', 'bm'], '--cluster: expected NAMESPACE/NAME such as cluster-bm/bm, got "bm"'],
    [
      ['--cluster', 'Cluster-BM/bm'],
      '--cluster: expected NAMESPACE/NAME such as cluster-bm/bm, got "Cluster-BM/bm"',
    ],
    [['--cluster-config', 'k', '--kubeconfig', '/etc/kubernetes/admin.conf'], '--kubeconfig needs --cluster'],
    [['--cluster-config', 'k', '--node-name', 'cp1'], '--node-name needs --cluster'],
    [
      ['--cluster-config', 'k', '--no-check', '--check-url', 'http://x/'],
      '--no-check and --check-url exclude each other',
    ],
    [
      ['--cluster-config', 'k', '--no-check', '--check-insecure'],
      '--check-insecure needs --check-url (and no --no-check)',
    ],
    [
      ['--cluster-config', 'k', '--node-ip', 'node-1'],
      '--node-ip: expected an IPv4 or IPv6 address such as 10.0.0.8 or 2001:db8::8, got "node-1"',
    ],
    [
      ['--config', 'c', '--advertise-ip', '2001:db8::8', '--node-ip-other-family', '2001:db8:1::10'],
      '--node-ip-other-family needs --cluster-config or --cluster (with --config, set localIPOtherFamily in the file)',
    ],
    [
      ['--cluster-config', 'k', '--node-ip-other-family', 'eth0'],
      '--node-ip-other-family: expected an IPv4 or IPv6 address such as 10.0.0.8 or 2001:db8::8, got "eth0"',
    ],
    [['--config', 'c'], '--advertise-ip IP is required'],
    [
      ['--config', 'c', '--advertise-ip', '10.0.0.300'],
      '--advertise-ip: expected an IPv4 or IPv6 address such as 10.0.0.8 or 2001:db8::8, got "10.0.0.300"',
    ],
    [
      ['--config', 'c', '--advertise-ip', '10.0.0.8', '--log-level', 'loud'],
      '--log-level: expected trace, debug, info, warn, error, fatal or silent, got "loud"',
    ],
    [
      ['--config', 'c', '--advertise-ip', '10.0.0.8', '--log-format', 'xml'],
      '--log-format: expected json or pretty, got "xml"',
    ],
    [['--config', 'c', '--advertise-ip', '10.0.0.8', '--bogus'], "unknown option '--bogus'"],
    [
      ['--config', 'c', '--advertise-ip', '10.0.0.8', '--check-insecure'],
      '--check-insecure needs --check-url',
    ],
    [
      ['--config', 'c', '--advertise-ip', '10.0.0.8', '--check-url', 'ftp://x'],
      '--check-url: expected an http:// or https:// URL, got "ftp://x"',
    ],
    [
      ['--config', 'c', '--advertise-ip', '10.0.0.8', '--check-url', 'http://x/', '--check-interval', '0s'],
      '--check-interval: expected at least 1ms, got "0s"',
    ],
    [
      [
        '--config',
        'c',
        '--advertise-ip',
        '10.0.0.8',
        '--check-url',
        'http://x/',
        '--check-failure-threshold',
        '0',
      ],
      '--check-failure-threshold: expected an integer from 1 to',
    ],
    [
      [
        '--config',
        'c',
        '--advertise-ip',
        '10.0.0.8',
        '--check-url',
        'http://x/',
        '--check-ca',
        'f',
        '--check-insecure',
      ],
      'exclude each other',
    ],
    [
      ['--config', 'c', '--advertise-ip', '10.0.0.8', '--peer-port', '70000'],
      '--peer-port: expected an integer from 1 to 65535, got "70000"',
    ],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [
      ['--config', 'c', '--advertise-ip', '10.0.0.8', '--on-exit', 'stay'],
      '--on-exit: expected withdraw, graceful-restart or drain, got "stay"',
    ],
    [
      ['--config', 'c', '--advertise-ip', '10.0.0.8', '--on-exit', 'drain', '--drain-as-path-prepend', '11'],
      '--drain-as-path-prepend: expected an integer from 0 to 10, got "11"',
    ],
    [
      ['--config', 'c', '--advertise-ip', '10.0.0.8', '--health-addr', '127.0.0.1'],
      '--health-addr: invalid address "127.0.0.1": port "127.0.0.1" is not a number from 0 to 65535',
    ],
    [
      ['--config', 'c', '--advertise-ip', '10.0.0.8', '--vip-interface', 'a/b'],
      '--vip-interface: expected an interface name such as lo or eth0 (at most 15 characters), got "a/b"',
    ],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });

  it('parses --on-exit drain with the delay and fallback flags given (the rest: the Cluster, else defaults)', () => {
    const base = ['--config', 'c.yaml', '--advertise-ip', '10.0.0.8', '--on-exit', 'drain'];
    expect(parseCommandLine(base)).toMatchObject({ onExit: 'drain' });
    expect((parseCommandLine(base) as RunOptions).exitDrain).toEqual({});
    expect(parseCommandLine([...base, '--drain-delay', '0s'])).toMatchObject({ exitDrain: { delayMs: 0 } });
    expect(
      parseCommandLine([
        ...base,
        '--drain-delay',
        '20s',
        '--drain-med-increase',
        '1000',
        '--drain-as-path-prepend',
        '3',
      ]),
    ).toMatchObject({ exitDrain: { delayMs: 20_000, medIncrease: 1000, asPathPrepend: 3 } });
    // Other modes carry no drain settings.
    expect(parseCommandLine(['--config', 'c.yaml', '--advertise-ip', '10.0.0.8'])).not.toHaveProperty(
      'exitDrain',
    );
  });

  it("parses --cluster-config: health-gated by default on the Cluster's URL, --no-check turns it off", () => {
    const defaults = { intervalMs: 5000, timeoutMs: 2000, failureThreshold: 3, successThreshold: 1 };
    expect(parseCommandLine(['--cluster-config', '/etc/kubernetes/bgplb/cluster.yaml'])).toEqual({
      command: 'run',
      source: { kind: 'cluster', clusterConfig: '/etc/kubernetes/bgplb/cluster.yaml' },
      healthAddr: '127.0.0.1:8080',
      logLevel: 'info',
      logFormat: 'json',
      check: { ...defaults, insecure: false },
    });
    const cmd = parseCommandLine([
      '--cluster-config=k.yaml',
      '--node-ip=10.0.1.11',
      '--check-ca=/etc/kubernetes/pki/ca.crt',
      '--check-url=https://127.0.0.1:6443/readyz',
    ]);
    expect(cmd).toMatchObject({
      source: { kind: 'cluster', clusterConfig: 'k.yaml', nodeIp: '10.0.1.11' },
      check: { ...defaults, url: 'https://127.0.0.1:6443/readyz', caFile: '/etc/kubernetes/pki/ca.crt' },
    });
    // Dual stack: this node's address of the other family, canonical (as `ip addr` prints it).
    expect(
      parseCommandLine(['--cluster-config', 'k.yaml', '--node-ip-other-family', '2001:DB8:1:0::10']),
    ).toMatchObject({
      source: { kind: 'cluster', clusterConfig: 'k.yaml', nodeIpOtherFamily: '2001:db8:1::10' },
    });
    expect(
      parseCommandLine(['--cluster', 'cluster-bm/bm', '--node-ip-other-family', '2001:db8:1::10']),
    ).toMatchObject({ source: { kind: 'live', nodeIpOtherFamily: '2001:db8:1::10' } });
    const unchecked = parseCommandLine(['--cluster-config', 'k.yaml', '--no-check']);
    expect(unchecked).not.toHaveProperty('check');
  });

  it('parses live mode: --cluster with --kubeconfig, health-gated by default, the last good file', () => {
    expect(
      parseCommandLine([
        '--kubeconfig',
        '/etc/kubernetes/admin.conf',
        '--cluster',
        'cluster-bm/bm',
        '--node-name',
        'cp1',
      ]),
    ).toEqual({
      command: 'run',
      source: {
        kind: 'live',
        kubeconfig: '/etc/kubernetes/admin.conf',
        namespace: 'cluster-bm',
        name: 'bm',
        nodeName: 'cp1',
        lastGoodPath: '/var/lib/bgpadvertiser/last-good-cluster.yaml',
      },
      healthAddr: '127.0.0.1:8080',
      logLevel: 'info',
      logFormat: 'json',
      check: { intervalMs: 5000, timeoutMs: 2000, failureThreshold: 3, successThreshold: 1, insecure: false },
    });
    const cmd = parseCommandLine([
      '--cluster=cluster-bm/bm',
      '--node-ip=10.0.1.11',
      '--last-good-config=/tmp/lg.yaml',
      '--no-check',
    ]);
    expect(cmd).toMatchObject({
      source: {
        kind: 'live',
        namespace: 'cluster-bm',
        name: 'bm',
        nodeIp: '10.0.1.11',
        lastGoodPath: '/tmp/lg.yaml',
      },
    });
    expect(cmd).not.toHaveProperty('check');
    // Without --node-name: the host name (what kubelet names the node by default).
    expect(parseCommandLine(['--cluster', 'cluster-bm/bm'])).toMatchObject({
      source: { nodeName: hostname() },
    });
  });

  it('knows help and version', () => {
    expect(parseCommandLine(['--help'])).toEqual({ command: 'help', text: usage() });
    expect(parseCommandLine(['-v'])).toEqual({ command: 'version' });
  });

  it('takes the one listening-address syntax for --health-addr', () => {
    for (const addr of ['8080', ':8080', '127.0.0.1:8080', '[::1]:8080']) {
      expect(
        parseCommandLine(['--config', 'c', '--advertise-ip', '10.0.0.8', `--health-addr=${addr}`]),
      ).toMatchObject({ healthAddr: addr });
    }
  });

  it('generates the help from the option definitions, the spec command line first', () => {
    const text = usage();
    expect(text.split('\n')[0]).toBe('Usage: bgpadvertiser --config FILE --advertise-ip IP [options]');
    expect(text).toMatch(/--check-interval <duration>\s+time between checks \(default: 5s\)/);
    expect(text).toContain('Usage: bgpadvertiser validate FILE...');
    expect(text).toMatch(
      /--timeout <duration>\s+the whole run; preflight cleans up and ends within it \(default: 5m\)/,
    );
  });
});

describe('parseCommandLine: subcommands', () => {
  it('validate takes files', () => {
    expect(parseCommandLine(['validate', 'a.yaml', 'b.conf'])).toEqual({
      command: 'validate',
      files: ['a.yaml', 'b.conf'],
    });
    expect(() => parseCommandLine(['validate'])).toThrow('validate: give at least one FILE');
    expect(() => parseCommandLine(['validate', '--strict', 'a'])).toThrow(
      "validate: unknown option '--strict'",
    );
    expect(parseCommandLine(['validate', '--help'])).toMatchObject({ command: 'help' });
  });

  it('preflight', () => {
    expect(parseCommandLine(['preflight', '--cluster-config', 'c.yaml'])).toEqual({
      command: 'preflight',
      clusterConfig: 'c.yaml',
      exec: 'ssh -o BatchMode=yes -o ConnectTimeout=10 root@{ip}',
      copyBinary: true,
      remoteCommand: 'bgpadvertiser',
      remoteDir: '/tmp',
      nodeNames: {},
      sessionTimeoutMs: 15_000,
      reachTimeoutMs: 10_000,
      timeoutMs: 300_000,
      vipInterface: 'lo',
      logLevel: 'warn',
      logFormat: 'json',
    });
    expect(
      parseCommandLine([
        'preflight',
        '--cluster-config',
        'c.yaml',
        '--node-ip',
        '10.0.1.10',
        '--timeout',
        '10s',
        '--probe',
        'ping -c1 $VIP',
        '--vip-interface',
        'lo',
        '--peer-port',
        '1179',
        '--log-level',
        'info',
      ]),
    ).toMatchObject({
      nodeIp: '10.0.1.10',
      timeoutMs: 10_000,
      probe: 'ping -c1 $VIP',
      vipInterface: 'lo',
      peerPort: 1179,
    });
    expect(() => parseCommandLine(['preflight'])).toThrow('preflight: --cluster-config FILE is required');
    expect(() => parseCommandLine(['preflight', '--cluster-config', 'c', '--timeout', 'soon'])).toThrow(
      '--timeout: expected a duration such as 30s',
    );
    expect(parseCommandLine(['preflight', '-h'])).toMatchObject({ command: 'help' });
  });

  it('preflight: --exec, --ssh-key, copying, node names, log dir', () => {
    const p = (...a: string[]) => parseCommandLine(['preflight', '--cluster-config', 'c.yaml', ...a]);
    expect(p('--ssh-key', '/home/me/.ssh/id ed')).toMatchObject({
      exec: "ssh -i '/home/me/.ssh/id ed' -o BatchMode=yes -o ConnectTimeout=10 root@{ip}",
    });
    expect(
      p('--exec', 'ip netns exec {name}', '--node-name', '10.0.1.10=cp1', '--node-name', '10.0.1.11=cp2'),
    ).toMatchObject({ exec: 'ip netns exec {name}', nodeNames: { '10.0.1.10': 'cp1', '10.0.1.11': 'cp2' } });
    expect(
      p('--no-copy-binary', '--remote-command', 'node /opt/cli.js', '--remote-dir', '/var/tmp/'),
    ).toMatchObject({
      copyBinary: false,
      remoteCommand: 'node /opt/cli.js',
      remoteDir: '/var/tmp',
    });
    expect(p('--log-dir', 'logs', '--session-timeout', '5s', '--reach-timeout', '3s')).toMatchObject({
      logDir: 'logs',
      sessionTimeoutMs: 5_000,
      reachTimeoutMs: 3_000,
    });
    expect(() => p('--exec', 'ssh root@cp1')).toThrow('--exec must name the node with {ip} or {name}');
    expect(() => p('--exec', 'ssh {ip}', '--ssh-key', 'k')).toThrow('--ssh-key goes with the default --exec');
    expect(() => p('--no-copy-binary', '--agent-binary', 'b')).toThrow(
      '--agent-binary is what --copy-binary copies',
    );
    expect(() => p('--node-name', 'cp1')).toThrow('--node-name: expected IP=NAME such as 10.0.1.10=cp1');
    expect(() => p('--node-name', '10.0.1.10=c p')).toThrow('--node-name: expected IP=NAME');
    expect(() => p('--remote-dir', 'tmp')).toThrow('--remote-dir: expected an absolute path');
    expect(parseCommandLine(['preflight-agent'])).toEqual({ command: 'preflight-agent' });
  });

  it('agent passes the rest through', () => {
    expect(parseCommandLine(['agent', '--node-name', 'n1'])).toEqual({
      command: 'agent',
      argv: ['--node-name', 'n1'],
    });
  });
});
