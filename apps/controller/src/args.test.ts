import { createLogger, startHealthServer, UsageError } from '@bgplb/kube-runtime';
import { describe, expect, it } from 'vitest';
import { parseCliArgs, usage } from './args.js';
import { ControllerMetrics } from './metrics.js';

describe('parseCliArgs', () => {
  it('applies defaults and reads the cluster namespace from the environment', () => {
    const o = parseCliArgs([], { CLUSTER_NAMESPACE: 'cluster-bm', POD_NAME: 'ctrl-0' });
    expect(o).toMatchObject({
      clusterNamespace: 'cluster-bm',
      statusNamespace: 'kube-system',
      leaderElect: false,
      identity: 'ctrl-0',
      graceSeconds: 30,
      metricsAddr: ':8080',
      leaseDurationSeconds: 15,
    });
  });

  it('accepts --leader-elect alone or with =true/=false, and short lease timings for tests', () => {
    expect(parseCliArgs(['--cluster-namespace', 'x', '--leader-elect'], {})).toMatchObject({
      leaderElect: true,
    });
    expect(parseCliArgs(['--cluster-namespace=x', '--leader-elect=false'], {})).toMatchObject({
      leaderElect: false,
    });
    expect(
      parseCliArgs(
        ['--cluster-namespace=x', '--lease-duration=1.5', '--renew-deadline=1', '--retry-period=0.2'],
        {},
      ),
    ).toMatchObject({ leaseDurationSeconds: 1.5, renewDeadlineSeconds: 1, retryPeriodSeconds: 0.2 });
    expect(parseCliArgs(['--help'], {})).toBe('help');
    expect(parseCliArgs(['-h', '--bogus'], {})).toBe('help');
  });

  it('takes the one listening-address syntax for --metrics-addr, and 0 to disable', () => {
    for (const addr of ['8080', ':8080', '127.0.0.1:8080', '[::1]:8080', '0']) {
      expect(parseCliArgs(['--cluster-namespace=x', `--metrics-addr=${addr}`], {})).toMatchObject({
        metricsAddr: addr,
      });
    }
    expect(() => parseCliArgs(['--cluster-namespace=x', '--metrics-addr', '::1:8080'], {})).toThrow(
      '--metrics-addr: invalid address "::1:8080": an IPv6 address needs brackets',
    );
  });

  it('takes --log-level and --log-format like bgpadvertiser', () => {
    expect(parseCliArgs(['--cluster-namespace=x'], {})).toMatchObject({
      logLevel: 'info',
      logFormat: 'json',
    });
    expect(
      parseCliArgs(['--cluster-namespace=x', '--log-level', 'debug', '--log-format=pretty'], {}),
    ).toMatchObject({ logLevel: 'debug', logFormat: 'pretty' });
  });

  it('generates its help from the option definitions', () => {
    const text = usage();
    expect(text).toContain('Usage: bgplb-controller --cluster-namespace <ns> [options]');
    for (const flag of [
      '--kubeconfig <path>',
      '--leader-elect [true|false]',
      '--metrics-addr <host:port>',
      '--resync-seconds <s>',
      '--log-format <format>',
      '-h, --help',
    ]) {
      expect(text).toContain(flag);
    }
    expect(text).toMatch(
      /--grace-seconds <s>\s+a node must be not ready this long before its floating IPs move\s+\(default: 30\)/,
    );
  });

  it('refuses bad flags with a message naming the flag', () => {
    expect(() => parseCliArgs([], {})).toThrow(/--cluster-namespace is required/);
    expect(() => parseCliArgs(['--cluster-namespace=x', '--grace-seconds=-1'], {})).toThrow(
      /--grace-seconds/,
    );
    expect(() => parseCliArgs(['--cluster-namespace=x', '--leader-elect=maybe'], {})).toThrow(
      /--leader-elect/,
    );
    expect(() =>
      parseCliArgs(['--cluster-namespace=x', '--lease-duration=2', '--renew-deadline=3'], {}),
    ).toThrow(/retry-period < renew-deadline < lease-duration/);
    expect(() => parseCliArgs(['--cluster-namespace=x', '--ingress-service=nope'], {})).toThrow(
      /--ingress-service: expected NAMESPACE\/NAME/,
    );
    expect(() => parseCliArgs(['--cluster-namespace=x', '--log-level=loud'], {})).toThrow(/--log-level/);
    expect(() => parseCliArgs(['--cluster-namespace=x', 'extra'], {})).toThrow(/too many arguments/);
    expect(() => parseCliArgs(['--cluster-namespace=x', '--nope'], {})).toThrow("unknown option '--nope'");
    expect(() => parseCliArgs(['--cluster-namespace=x', '--node-prefix-length=33'], {})).toThrow(
      '--node-prefix-length: expected an integer from 1 to 32, got "33"',
    );
    expect(() => parseCliArgs(['--cluster-namespace=x', '--grace-seconds=-1'], {})).toThrow(UsageError);
  });
});

describe('metrics and probes server', () => {
  it('serves /metrics, /healthz and /readyz on loopback through kube-runtime', async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    metrics.leader.set(1);
    let ready = false;
    const server = await startHealthServer({
      address: '127.0.0.1:0',
      logger: createLogger({ level: 'silent' }),
      registry: metrics.registry,
      readiness: () => ({ ready }),
    });
    const url = `http://${server.address}`;
    try {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(text).toContain('bgplb_leader 1');
      expect(text).toContain('bgplb_reconcile_duration_seconds');
      expect(text).toContain('bgplb_event_loop_delay_seconds');
    } finally {
      await server.close();
    }
  });
});
