/**
 * The static-pod manifests, from the one template (src/static-pod.ts): those in
 * deploy/static-pod/ (the manual form) and those `bgpadvertiser static-pod` prints for a node of
 * a Cluster must start the advertiser with a command line it accepts, mount the config it reads,
 * probe the endpoints it serves, and ask for NET_ADMIN only when --vip-interface is used.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DrainSettings } from '@bgplb/api-types';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCommandLine, type RunOptions } from '../src/args.js';
import { resolveExitDrain } from '../src/exit-drain.js';
import { main } from '../src/main.js';
import { SHUTDOWN_BUDGET_MS } from '../src/run.js';
import { DEPLOY_STATIC_PODS } from '../src/static-pod-templates.js';
import { VERSION } from '../src/version.js';

interface Container {
  image: string;
  args: string[];
  securityContext: { runAsNonRoot: boolean; capabilities: { drop: string[]; add?: string[] } };
  livenessProbe: { httpGet: { host: string; port: number; path: string } };
  readinessProbe: { httpGet: { host: string; port: number; path: string } };
  volumeMounts: Array<{ name: string; mountPath: string; readOnly: boolean }>;
}
interface Pod {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    hostNetwork: boolean;
    terminationGracePeriodSeconds: number;
    containers: Container[];
    volumes: Array<{ name: string; hostPath: { path: string; type: string } }>;
  };
}

const deployDir = new URL('../../../deploy/static-pod/', import.meta.url);
const example02 = new URL('../../../examples/02-control-plane-nodes-per-peer.yaml', import.meta.url);
const deployed = (name: string): Pod => parse(readFileSync(new URL(name, deployDir), 'utf8')) as Pod;

/** Runs `bgpadvertiser ...argv` in-process: exit code, stdout, stderr. */
async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err };
}

/**
 * The checks every manifest passes, manual or from a Cluster (`clusterDrain`: the Cluster's drain
 * settings the running advertiser will read).
 */
function checkPod(pod: Pod, clusterDrain?: DrainSettings): RunOptions {
  const container = pod.spec.containers[0] as Container;
  const cmd = parseCommandLine(container.args);
  if (cmd.command !== 'run') throw new Error(`not a run command line: ${container.args.join(' ')}`);
  expect(pod).toMatchObject({ apiVersion: 'v1', kind: 'Pod' });
  // The kubelet names the mirror pod bgpadvertiser-<node>.
  expect(pod.metadata).toMatchObject({ name: 'bgpadvertiser', namespace: 'kube-system' });
  expect(pod.metadata.labels['app.kubernetes.io/version']).toBe(VERSION);
  expect(pod.spec.hostNetwork).toBe(true);
  // Every mount is backed by a hostPath volume at the same path, and read-only except live mode's
  // state directory (the last good configuration).
  const volumes = new Map(pod.spec.volumes.map((v) => [v.name, v.hostPath.path]));
  const stateDir = cmd.source.kind === 'live' ? dirname(cmd.source.lastGoodPath) : undefined;
  for (const m of container.volumeMounts) {
    expect(m.readOnly).toBe(m.mountPath !== stateDir);
    expect(volumes.get(m.name)).toBe(m.mountPath);
  }
  const mounted = (file: string) => container.volumeMounts.some((m) => file.startsWith(`${m.mountPath}`));
  if (cmd.source.kind === 'live') {
    expect(mounted(cmd.source.kubeconfig ?? 'none')).toBe(true);
    expect(container.volumeMounts.map((m) => m.mountPath)).toContain(stateDir);
  } else {
    const file = cmd.source.kind === 'cluster' ? cmd.source.clusterConfig : cmd.source.config;
    expect(container.volumeMounts.map((m) => m.mountPath)).toContain(dirname(file));
  }
  expect(mounted(cmd.check?.caFile ?? 'none')).toBe(true);
  const [host, port] = cmd.healthAddr.split(':');
  expect(container.livenessProbe.httpGet).toEqual({ host, port: Number(port), path: '/healthz' });
  expect(container.readinessProbe.httpGet).toEqual({ host, port: Number(port), path: '/readyz' });
  const caps = container.securityContext.capabilities;
  expect(caps.drop).toEqual(['ALL']);
  // SIGTERM drains, for an upgrade and a removal alike, with the Cluster's settings (no flag pins
  // them), and the kubelet's SIGKILL comes only after the drain and the withdrawal's own bound.
  expect(cmd.onExit).toBe('drain');
  expect(cmd.exitDrain).toEqual({});
  const drain = resolveExitDrain(cmd.exitDrain ?? {}, clusterDrain);
  expect(pod.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
    drain.delayMs + SHUTDOWN_BUDGET_MS + 5_000,
  );
  if (cmd.vipInterface !== undefined) expect(caps.add).toEqual(['NET_ADMIN']);
  else {
    expect(caps.add).toBeUndefined();
    // Live mode reads admin.conf (root only): root, with no capability at all.
    expect(container.securityContext.runAsNonRoot).toBe(cmd.source.kind !== 'live');
  }
  return cmd;
}

describe('deploy/static-pod/ (the manual form)', () => {
  it.each(DEPLOY_STATIC_PODS.map((d) => [d.file, d]))('%s is what the template renders', (_f, d) => {
    const current = readFileSync(new URL(d.file, deployDir), 'utf8');
    // If this fails: pnpm --filter @bgplb/advertiser gen:static-pod
    expect(current).toBe(d.text());
  });

  it.each(DEPLOY_STATIC_PODS.map((d) => [d.file]))(
    '%s starts the manual form, gated on the API server',
    (f) => {
      const cmd = checkPod(deployed(f));
      expect(cmd.source).toEqual({
        kind: 'config',
        config: '/etc/bgpadvertiser/bgpadvertiser.conf',
        advertiseIps: ['10.0.0.8'],
      });
      expect(cmd.check?.url).toBe('https://127.0.0.1:6443/readyz');
    },
  );

  it('the two variants differ only in holding the VIP on an interface', () => {
    const args = (f: string) => parseCommandLine(deployed(f).spec.containers[0]?.args ?? []);
    expect(args('bgpadvertiser-vip-interface.yaml')).toEqual({
      ...args('bgpadvertiser.yaml'),
      vipInterface: 'lo',
    });
  });
});

describe('bgpadvertiser static-pod --cluster-config FILE --node ADDRESS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cp-static-pod-'));
  const file = join(dir, 'cluster.yaml');
  writeFileSync(file, readFileSync(example02, 'utf8'));

  it("prints the node's manifest: this Cluster file, this node, the pinned image, gated by default", async () => {
    const { code, out, err } = await cli('static-pod', '--cluster-config', file, '--node', '10.0.2.10');
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out.split('\n')[0]).toBe(
      `# bgpadvertiser ${VERSION} static pod for control-plane node 10.0.2.10 of Cluster/bm:`,
    );
    expect(out).toContain(
      '# announces 10.0.0.8/32 to 10.0.2.254 from 10.0.2.10, gated on https://127.0.0.1:443/readyz.',
    );
    const pod = parse(out) as Pod;
    const cmd = checkPod(pod);
    expect(cmd.source).toEqual({ kind: 'cluster', clusterConfig: file, nodeIp: '10.0.2.10' });
    // No --check-url: the Cluster's controlPlaneLBPort decides, verified with the CA of kubeadm.
    expect(cmd.check).toMatchObject({ caFile: '/etc/kubernetes/pki/ca.crt', insecure: false });
    expect(cmd.check?.url).toBeUndefined();
    expect(pod.spec.containers[0]?.image).toBe(`ghcr.io/bgplb/bgpadvertiser:${VERSION}`);
    expect(pod.spec.volumes).toContainEqual({ name: 'config', hostPath: { path: dir, type: 'Directory' } });
  });

  it('dual stack: both VIPs; --node-ip-other-family is carried into the pod (file and live mode)', async () => {
    const dual = join(dir, 'dual.yaml');
    writeFileSync(
      dual,
      readFileSync(example02, 'utf8').replace(
        'controlPlaneVIP: 10.0.0.8',
        'controlPlaneVIP: 10.0.0.8\n      controlPlaneVIPOtherFamily: 2001:db8::8',
      ),
    );
    const found = await cli('static-pod', '--cluster-config', dual, '--node', '10.0.1.10');
    expect({ code: found.code, err: found.err }).toEqual({ code: 0, err: [] });
    expect(found.out).toContain(
      '# announces 10.0.0.8/32 and 2001:db8::8/128 to 10.0.1.254 from 10.0.1.10, gated on https://127.0.0.1:443/readyz.',
    );
    expect(found.out).toContain(
      "# 2001:db8::8 has next hop the node's IPv6 address on the interface of 10.0.1.10 (or pass --node-ip-other-family).",
    );
    expect(checkPod(parse(found.out) as Pod).source).toEqual({
      kind: 'cluster',
      clusterConfig: dual,
      nodeIp: '10.0.1.10',
    });
    for (const live of [[], ['--live']]) {
      const given = await cli(
        'static-pod',
        '--cluster-config',
        dual,
        '--node',
        '10.0.1.10',
        '--node-ip-other-family',
        '2001:db8:1::10',
        ...live,
      );
      expect({ code: given.code, err: given.err }).toEqual({ code: 0, err: [] });
      expect(given.out).toContain('# 2001:db8::8 has next hop 2001:db8:1::10 (--node-ip-other-family).');
      expect(checkPod(parse(given.out) as Pod).source).toMatchObject({
        nodeIp: '10.0.1.10',
        nodeIpOtherFamily: '2001:db8:1::10',
      });
    }
    const same = await cli(
      'static-pod',
      '--cluster-config',
      dual,
      '--node',
      '10.0.1.10',
      '--node-ip-other-family',
      '10.0.1.99',
    );
    expect(same).toEqual({
      code: 2,
      out: '',
      err: [
        "static-pod: --node-ip-other-family 10.0.1.99 is IPv4 like the node address 10.0.1.10: it is this node's IPv6 address",
      ],
    });
  });

  it('holds the VIP on an interface and takes another image on request', async () => {
    const { code, out } = await cli(
      'static-pod',
      `--cluster-config=${file}`,
      '--node=10.0.1.10',
      '--vip-interface=lo',
      '--image=registry.local/bgpadvertiser:dev',
    );
    expect(code).toBe(0);
    const pod = parse(out) as Pod;
    expect(checkPod(pod).vipInterface).toBe('lo');
    expect(pod.spec.containers[0]?.image).toBe('registry.local/bgpadvertiser:dev');
  });

  it('--live: the pod follows the Cluster through the local API server, keeping the last good config on the host', async () => {
    const { code, out, err } = await cli(
      'static-pod',
      '--cluster-config',
      file,
      '--node',
      '10.0.1.11',
      '--live',
    );
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out).toContain(
      '# Live mode: follows Cluster cluster-bm/bm through the local API server (/etc/kubernetes/admin.conf);',
    );
    const pod = parse(out) as Pod;
    const cmd = checkPod(pod);
    expect(cmd.source).toEqual({
      kind: 'live',
      kubeconfig: '/etc/kubernetes/admin.conf',
      namespace: 'cluster-bm',
      name: 'bm',
      nodeIp: '10.0.1.11',
      nodeName: expect.any(String),
      lastGoodPath: '/var/lib/bgpadvertiser/last-good-cluster.yaml',
    });
    // The node name is the host's at run time: the manifest does not pin one.
    expect(pod.spec.containers[0]?.args.some((a) => a.startsWith('--node-name'))).toBe(false);
    expect(cmd.check).toMatchObject({ caFile: '/etc/kubernetes/pki/ca.crt' });
    expect(pod.spec.volumes).toContainEqual({
      name: 'state',
      hostPath: { path: '/var/lib/bgpadvertiser', type: 'DirectoryOrCreate' },
    });
    // Nothing of the Cluster file's directory: the API server is the source.
    expect(pod.spec.volumes.some((v) => v.hostPath.path === dir)).toBe(false);

    const noNamespace = join(dir, 'no-namespace.yaml');
    writeFileSync(noNamespace, readFileSync(example02, 'utf8').replace('  namespace: cluster-bm\n', ''));
    const refused = await cli('static-pod', '--cluster-config', noNamespace, '--node', '10.0.1.11', '--live');
    expect(refused.code).toBe(2);
    expect(refused.err.at(-1)).toBe(
      `static-pod: --live needs the Cluster's metadata.namespace in ${noNamespace} (the namespace it has in the API server)`,
    );
  });

  it("renders the grace period from the Cluster's drainDelay (file and live mode alike)", async () => {
    const slow = join(dir, 'slow-drain.yaml');
    writeFileSync(
      slow,
      readFileSync(example02, 'utf8').replace('    vips:', '    drainDelay: 60\n    vips:'),
    );
    for (const live of [[], ['--live']]) {
      const { code, out, err } = await cli(
        'static-pod',
        '--cluster-config',
        slow,
        '--node',
        '10.0.1.10',
        ...live,
      );
      expect({ code, err }).toEqual({ code: 0, err: [] });
      expect(out).toContain(
        "# SIGTERM drains (--on-exit drain: the Cluster's drainDelay, 60 s now); terminationGracePeriodSeconds 75:",
      );
      const pod = parse(out) as Pod;
      checkPod(pod, { drainDelay: 60 });
      expect(pod.spec.terminationGracePeriodSeconds).toBe(75);
    }
    const { out } = await cli('static-pod', '--cluster-config', file, '--node', '10.0.1.10');
    expect((parse(out) as Pod).spec.terminationGracePeriodSeconds).toBe(30);
  });

  it('exits 2 for a node that is not a control-plane node, an invalid Cluster, or missing flags', async () => {
    expect(await cli('static-pod', '--cluster-config', file, '--node', '10.0.9.9')).toEqual({
      code: 2,
      out: '',
      err: [
        'static-pod: 10.0.9.9 is not a control-plane node of Cluster/bm (spec.controlPlane.nodePoolSpec.nodes: 10.0.1.10, 10.0.1.11, 10.0.2.10)',
      ],
    });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(example02, 'utf8').replace('localASN: 65001', 'localASN: 65002'));
    const invalid = await cli('static-pod', '--cluster-config', bad, '--node', '10.0.1.10');
    expect(invalid.code).toBe(2);
    expect(invalid.out).toBe('');
    expect(invalid.err[0]).toMatch(
      new RegExp(`^${bad}:\\d+:\\d+: spec\\.loadBalancer\\.bgpPeers\\[0\\]\\.asn: `),
    );
    expect(invalid.err.at(-1)).toBe(`static-pod: ${bad} is not valid (bgpadvertiser validate ${bad})`);
    const missing = await cli('static-pod', '--cluster-config', file);
    expect(missing.code).toBe(2);
    expect(missing.err[0]).toBe('bgpadvertiser: static-pod: --node ADDRESS is required');
  });
});
