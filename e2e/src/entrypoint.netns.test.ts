/**
 * The containerlab form's process side, without Docker: topology 03 with every node running its
 * `cmd:` from topology.clab.yml (e2e/containerlab/bgplb-e2e-node.sh: the test API server CLI,
 * `kubectl apply` of cluster.yaml, self-registering kubelets, the built controller,
 * advertisers and agents), as the containers do. Everything is driven through real kubectl.
 * Needs root, FRR, kubectl and the built apps (`pnpm build`; CI builds before testing).
 */
import { labSkipReason } from '@bgplb/netns-lab';
import { describe, expect, it } from 'vitest';
import { distIsFresh } from './netns/dist-fresh.js';
import { E2eLab, kubectlInstalled, REPO } from './netns/e2e-lab.js';

const skip =
  labSkipReason() ??
  (distIsFresh(REPO) ? undefined : 'needs the built apps, newer than their sources (run pnpm build)') ??
  (kubectlInstalled() ? undefined : 'needs kubectl on the PATH (it drives this lab with kubectl only)');
if (skip) console.warn(`containerlab entry point test skipped: ${skip}`);

describe.skipIf(skip !== undefined)('topology 03 through the containerlab entry points (netns)', () => {
  it('comes up from the cmd: lines alone, sessions Established, a Service VIP ECMP-routed and reachable', async () => {
    const t0 = Date.now();
    const lab = await E2eLab.up({
      topology: '03-separate-control-and-data-plane',
      launch: 'entrypoint',
      log: (l) => console.log(`[e2e entrypoint] ${l}`),
    });
    try {
      const table = await lab.waitFor(
        'two Established service sessions in kubectl get bgpsessions',
        async () => {
          const out = await lab.kubectl('-n', 'kube-system', 'get', 'bgpsessions');
          return (out.match(/Established/g) ?? []).length === 2 ? out : undefined;
        },
        120_000,
        1_000,
      );
      console.log(`[e2e entrypoint] up in ${Date.now() - t0} ms\n${table}`);
      await lab.kubectl('create', 'service', 'loadbalancer', 'web', '--tcp=80:80');
      const vip = await lab.waitFor(
        'the VIP of service web',
        async () =>
          (
            await lab.kubectl('get', 'service', 'web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}')
          ).trim() || undefined,
        30_000,
        500,
      );
      await lab.waitFor(
        `tor1 ECMP route for ${vip}`,
        async () => (await lab.torFib('tor1', `${vip}/32`)).join() === '10.0.3.10,10.0.3.11',
        30_000,
        200,
      );
      const r = await lab.probe(vip, 80, 30);
      expect(r.failed, r.errors.join('; ')).toBe(0);
      expect(Object.keys(r.responders).sort()).toEqual(['lb1', 'lb2']);
      const cp = await lab.probe(lab.controlPlaneVIP, 443, 10);
      expect(cp.failed, cp.errors.join('; ')).toBe(0);
    } finally {
      await lab.down();
    }
  }, 300_000);
});
