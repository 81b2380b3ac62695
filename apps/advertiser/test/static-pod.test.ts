/**
 * The static-pod manifests in deploy/static-pod/ must start the advertiser with a command line it
 * accepts, probe the endpoints it serves, and ask for NET_ADMIN only when --vip-interface is used.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCommandLine, type RunOptions } from '../src/args.js';

interface Container {
  args: string[];
  securityContext: { runAsNonRoot: boolean; capabilities: { drop: string[]; add?: string[] } };
  livenessProbe: { httpGet: { host: string; port: number; path: string } };
  readinessProbe: { httpGet: { host: string; port: number; path: string } };
  volumeMounts: Array<{ mountPath: string; readOnly: boolean }>;
}
interface Pod {
  kind: string;
  metadata: { name: string; namespace: string };
  spec: { hostNetwork: boolean; containers: Container[] };
}

const dir = new URL('../../../deploy/static-pod/', import.meta.url);
const load = (name: string): Pod => parse(readFileSync(new URL(name, dir), 'utf8')) as Pod;

describe.each(['bgpadvertiser.yaml', 'bgpadvertiser-vip-interface.yaml'])('%s', (name) => {
  const pod = load(name);
  const container = pod.spec.containers[0] as Container;
  const cmd = parseCommandLine(container.args) as RunOptions;

  it('is a kube-system host-network pod the kubelet names bgpadvertiser-<node>', () => {
    expect(pod.kind).toBe('Pod');
    expect(pod.metadata).toEqual({
      name: 'bgpadvertiser',
      namespace: 'kube-system',
      labels: expect.any(Object),
    });
    expect(pod.spec.hostNetwork).toBe(true);
  });

  it('runs a command line the advertiser accepts, with the config from the hostPath mount', () => {
    expect(cmd.command).toBe('run');
    expect(cmd.source.kind === 'config' && cmd.source.config.startsWith('/etc/bgpadvertiser/')).toBe(true);
    expect(container.volumeMounts.map((m) => m.mountPath)).toContain('/etc/bgpadvertiser');
    expect(container.volumeMounts.every((m) => m.readOnly)).toBe(true);
    expect(cmd.check?.url).toBe('https://127.0.0.1:6443/readyz');
    expect(container.volumeMounts.map((m) => m.mountPath)).toContain(cmd.check?.caFile);
  });

  it('probes /healthz and /readyz on --health-addr', () => {
    const [host, port] = cmd.healthAddr.split(':');
    for (const [probe, path] of [
      [container.livenessProbe, '/healthz'],
      [container.readinessProbe, '/readyz'],
    ] as const) {
      expect(probe.httpGet).toEqual({ host, port: Number(port), path });
    }
  });

  it('asks for NET_ADMIN exactly when --vip-interface is used', () => {
    const caps = container.securityContext.capabilities;
    expect(caps.drop).toEqual(['ALL']);
    if (cmd.vipInterface !== undefined) {
      expect(caps.add).toEqual(['NET_ADMIN']);
    } else {
      expect(caps.add).toBeUndefined();
      expect(container.securityContext.runAsNonRoot).toBe(true);
    }
  });
});

it('the two variants differ only in holding the VIP on an interface', () => {
  expect(parseCommandLine(load('bgpadvertiser-vip-interface.yaml').spec.containers[0]!.args)).toEqual({
    ...parseCommandLine(load('bgpadvertiser.yaml').spec.containers[0]!.args),
    vipInterface: 'lo',
  });
});
