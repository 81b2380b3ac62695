import { resolve } from 'node:path';
import { controlPlaneSpeakerConfig, formatProblem, loadClusterConfig } from '@bgplb/api-types';
import type { StaticPodCommandOptions } from './args.js';
import { renderStaticPod } from './static-pod.js';
import type { Output } from './validate.js';
import { VERSION } from './version.js';

/**
 * `bgpadvertiser static-pod --cluster-config FILE --node ADDRESS`: prints the static-pod manifest
 * of that control-plane node. The Cluster is validated and the node's configuration derived first,
 * so a manifest is printed only for a node whose speaker would start. Exit 0, or 2 (the problems
 * on stderr, as `--cluster-config` prints them).
 */
export async function runStaticPod(options: StaticPodCommandOptions, output: Output): Promise<number> {
  const file = resolve(options.clusterConfig);
  const loaded = await loadClusterConfig(file);
  if (!loaded.ok) {
    for (const p of loaded.problems) output.err(formatProblem(p));
    output.err(`static-pod: ${loaded.readError ?? `${file} is not valid (bgpadvertiser validate ${file})`}`);
    return 2;
  }
  for (const p of loaded.problems) output.err(formatProblem(p));
  const derived = controlPlaneSpeakerConfig(loaded.cluster, options.node);
  if (!derived.ok) {
    output.err(`static-pod: ${derived.error}`);
    return 2;
  }
  const ref = `Cluster/${loaded.cluster.metadata.name}`;
  const header = [
    `bgpadvertiser ${VERSION} static pod for control-plane node ${options.node} of ${ref}:`,
    `announces ${derived.vip}/32 to ${derived.config.peers.map((p) => p.peerIP).join(', ')} from ${options.node}, gated on ${derived.checkUrl}.`,
    `Install as /etc/kubernetes/manifests/bgpadvertiser.yaml on that node, with the Cluster file at`,
    `${file} (the kubelet names the pod bgpadvertiser-<node> in kube-system).`,
    `After editing the Cluster file there: kill -HUP $(pgrep -f 'bgpadvertiser --cluster-config').`,
  ];
  const source = { kind: 'cluster', clusterConfig: file, nodeIp: options.node } as const;
  output.out(
    renderStaticPod(
      {
        source,
        ...(options.vipInterface !== undefined ? { vipInterface: options.vipInterface } : {}),
        ...(options.image !== undefined ? { image: options.image } : {}),
      },
      header,
    ).trimEnd(),
  );
  return 0;
}
