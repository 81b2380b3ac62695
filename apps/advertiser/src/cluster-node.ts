/**
 * This control-plane node's share of a Cluster, wherever the Cluster comes from (`--cluster-config`
 * or live mode): which node it is (`--node-ip`, else the one control-plane node address among the
 * host's), its address of the other family when a control-plane VIP needs one
 * (node-other-family.ts), then its speaker config (`controlPlaneSpeakerConfig`). Pure: the host's
 * addresses are injected, and read at most once. Loaded on demand by the file-driven speaker (it
 * pulls in the Cluster's schemas and rules).
 */
import {
  type Cluster,
  type ControlPlaneSpeakerConfig,
  controlPlaneSpeakerConfig,
  localControlPlaneNode,
} from '@bgplb/api-types';
import { nodeAddressOfOtherFamily } from './node-other-family.js';
import type { HostAddress } from './shared/host-addresses.js';

/** How this node is identified: the flags given, and the host's addresses for what they leave open. */
export interface NodeIdentity {
  /** `--node-ip`; absent: the one control-plane node address found among the host's. */
  nodeIp?: string | undefined;
  /** `--node-ip-other-family`; absent: found on the interface of the node's address. */
  nodeIpOtherFamily?: string | undefined;
  hostAddresses: () => readonly HostAddress[];
}

export type NodeSpeakerResult =
  | ({
      ok: true;
      node: string;
      /** VIP -> why it is not announced from this node (no address of its family found). */
      unannounced: Record<string, string>;
    } & ControlPlaneSpeakerConfig)
  | { ok: false; error: string };

/** The speaker config of this node from a Cluster that passed validation, or why there is none. */
export function nodeSpeakerConfig(cluster: Cluster, identity: NodeIdentity): NodeSpeakerResult {
  let host: readonly HostAddress[] | undefined;
  const hostAddresses = () => {
    host ??= identity.hostAddresses();
    return host;
  };
  let node = identity.nodeIp;
  if (node === undefined) {
    const found = localControlPlaneNode(
      cluster,
      hostAddresses().map((a) => a.ip),
    );
    if (!found.ok) return { ok: false, error: `${found.error}; pass --node-ip` };
    node = found.node;
  }
  const { controlPlaneVIP, controlPlaneVIPOtherFamily } = cluster.spec.loadBalancer.vips;
  const other = nodeAddressOfOtherFamily({
    node,
    vips:
      controlPlaneVIPOtherFamily === undefined
        ? [controlPlaneVIP]
        : [controlPlaneVIP, controlPlaneVIPOtherFamily],
    given: identity.nodeIpOtherFamily,
    hostAddresses,
  });
  if (!other.ok) return { ok: false, error: other.error };
  const derived = controlPlaneSpeakerConfig(cluster, node, { localIPOtherFamily: other.address });
  if (!derived.ok) return derived;
  const { ok: _ok, ...config } = derived;
  return {
    ok: true,
    node,
    unannounced: other.unannounced ? { [other.unannounced.vip]: other.unannounced.reason } : {},
    ...config,
  };
}
