import { resolve } from 'node:path';
import {
  controlPlaneSpeakerConfig,
  DEFAULT_DRAIN_DELAY_SECONDS,
  formatProblem,
  hostPrefix,
  loadClusterConfig,
} from '@bgplb/api-types';
import type { StaticPodCommandOptions } from './args.js';
import { DEFAULT_LAST_GOOD_PATH } from './live/last-good-path.js';
import { nodeAddressOfOtherFamily } from './node-other-family.js';
import type { Output } from './output.js';
import {
  ADMIN_KUBECONFIG,
  renderStaticPod,
  type StaticPodOptions,
  staticPodGracePeriodSeconds,
} from './static-pod.js';
import { VERSION } from './version.js';

/**
 * `bgpadvertiser static-pod --cluster-config FILE --node ADDRESS [--live]`: prints the static-pod
 * manifest of that control-plane node (with `--live`, one that follows the Cluster through the
 * local API server instead of reading FILE). The Cluster is validated and the node's configuration derived first,
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
  const { vips } = loaded.cluster.spec.loadBalancer;
  // The manifest is written on a workstation: the node's host addresses are not known here, only
  // --node-ip-other-family when given (checked as the node will check it).
  const other = nodeAddressOfOtherFamily({
    node: options.node,
    vips: [
      vips.controlPlaneVIP,
      ...(vips.controlPlaneVIPOtherFamily ? [vips.controlPlaneVIPOtherFamily] : []),
    ],
    given: options.nodeIpOtherFamily,
    hostAddresses: () => [],
  });
  if (!other.ok) {
    output.err(`static-pod: ${other.error}`);
    return 2;
  }
  const derived = controlPlaneSpeakerConfig(loaded.cluster, options.node, {
    localIPOtherFamily: options.nodeIpOtherFamily,
  });
  if (!derived.ok) {
    output.err(`static-pod: ${derived.error}`);
    return 2;
  }
  const { name, namespace } = loaded.cluster.metadata;
  const ref = `Cluster/${name}`;
  if (options.live && namespace === undefined) {
    output.err(
      `static-pod: --live needs the Cluster's metadata.namespace in ${file} (the namespace it has in the API server)`,
    );
    return 2;
  }
  const drainDelay = derived.drain.drainDelay ?? DEFAULT_DRAIN_DELAY_SECONDS;
  const intro = [
    `bgpadvertiser ${VERSION} static pod for control-plane node ${options.node} of ${ref}:`,
    `announces ${derived.vips.map(hostPrefix).join(' and ')} to ${derived.config.peers.map((p) => p.peerIP).join(', ')} from ${options.node}, gated on ${derived.checkUrl}.`,
    ...otherFamilyNote(options.node, derived.vips, options.nodeIpOtherFamily),
    `SIGTERM drains (--on-exit drain: the Cluster's drainDelay, ${drainDelay} s now); terminationGracePeriodSeconds ${staticPodGracePeriodSeconds(drainDelay)}:`,
    'render again after raising drainDelay (docs/operations.md, "Which --on-exit when").',
  ];
  const header =
    options.live && namespace !== undefined
      ? [
          ...intro,
          `Live mode: follows Cluster ${namespace}/${name} through the local API server (${ADMIN_KUBECONFIG});`,
          `the last applied Cluster is kept in ${DEFAULT_LAST_GOOD_PATH} for starts while the API server is down.`,
          'Install as /etc/kubernetes/manifests/bgpadvertiser.yaml on that node (the kubelet names the pod',
          `bgpadvertiser-<node> in kube-system). Edit the peers with kubectl edit -n ${namespace} cluster ${name}.`,
        ]
      : [
          ...intro,
          `Install as /etc/kubernetes/manifests/bgpadvertiser.yaml on that node, with the Cluster file at`,
          `${file} (the kubelet names the pod bgpadvertiser-<node> in kube-system).`,
          `After editing the Cluster file there: kill -HUP $(pgrep -f 'bgpadvertiser --cluster-config').`,
        ];
  const otherFamily =
    options.nodeIpOtherFamily !== undefined ? { nodeIpOtherFamily: options.nodeIpOtherFamily } : {};
  const source: StaticPodOptions['source'] =
    options.live && namespace !== undefined
      ? { kind: 'live', namespace, name, nodeIp: options.node, ...otherFamily }
      : { kind: 'cluster', clusterConfig: file, nodeIp: options.node, ...otherFamily };
  output.out(
    renderStaticPod(
      {
        source,
        ...(options.vipInterface !== undefined ? { vipInterface: options.vipInterface } : {}),
        ...(options.image !== undefined ? { image: options.image } : {}),
        drainDelaySeconds: drainDelay,
      },
      header,
    ).trimEnd(),
  );
  return 0;
}

/** Where the next hop of the VIP of the other family comes from, when there is one. */
function otherFamilyNote(node: string, vips: readonly string[], given: string | undefined): string[] {
  const otherVip = vips.find((v) => v.includes(':') !== node.includes(':'));
  if (otherVip === undefined) return [];
  return [
    given !== undefined
      ? `${otherVip} has next hop ${given} (--node-ip-other-family).`
      : `${otherVip} has next hop the node's ${otherVip.includes(':') ? 'IPv6' : 'IPv4'} address on the interface of ${node} (or pass --node-ip-other-family).`,
  ];
}
