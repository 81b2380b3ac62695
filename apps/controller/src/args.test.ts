import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './args.js';
import { parseAddress, startHttpServer } from './http-server.js';
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
      /namespace\/name/,
    );
    expect(() => parseCliArgs(['--cluster-namespace=x', '--log-level=loud'], {})).toThrow(/--log-level/);
    expect(() => parseCliArgs(['--cluster-namespace=x', 'extra'], {})).toThrow(/unexpected argument/);
    expect(() => parseCliArgs(['--cluster-namespace=x', '--nope'], {})).toThrow();
  });
});

describe('metrics and probes server', () => {
  it('parses listen addresses', () => {
    expect(parseAddress(':8080')).toEqual({ host: undefined, port: 8080 });
    expect(parseAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseAddress('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(() => parseAddress('127.0.0.1:x')).toThrow(/invalid address/);
  });

  it('serves /metrics, /healthz and /readyz on loopback', async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    metrics.leader.set(1);
    let ready = false;
    const server = await startHttpServer('127.0.0.1:0', metrics.registry, {
      healthy: () => true,
      ready: () => ready,
    });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).toContain('bgplb_leader 1');
      expect(text).toContain('bgplb_reconcile_duration_seconds');
      expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
