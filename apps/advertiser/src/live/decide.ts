/**
 * Live mode's one decision: what a Cluster object, as the API server (or the last-good file) has it,
 * means for this control-plane node. Pure. The Cluster gets exactly the checks of
 * `bgpadvertiser validate` (parseClusterObjects), then this node's speaker config is derived from
 * it (nodeSpeakerConfig, as `--cluster-config` does); any error refuses the whole change.
 */
import { type AdvertiserConfig, type ControlPlaneSpeakerConfig, parseClusterObjects } from '@bgplb/api-types';
import { type NodeIdentity, nodeSpeakerConfig } from '../cluster-node.js';

export type { NodeIdentity } from '../cluster-node.js';

export type LiveDecision =
  | ({
      ok: true;
      warnings: string[];
      node: string;
      /** VIP -> why this node does not announce it (no address of its family found on the host). */
      unannounced: Record<string, string>;
    } & ControlPlaneSpeakerConfig)
  | { ok: false; problems: string[] };

/**
 * The speaker config of control-plane node `nodeIP` from `cluster`, or every reason it cannot be
 * applied. `runningVips` are the VIPs being announced: a different `vips.controlPlaneVIP` (or
 * `controlPlaneVIPOtherFamily`) is refused (the running speaker keeps its VIPs; a restart takes
 * the new ones), so that an edit never withdraws the address everyone uses to reach the API server.
 */
export function decideFromCluster(
  cluster: unknown,
  node: NodeIdentity,
  runningVips?: readonly string[],
): LiveDecision {
  // Only the Cluster is known here: "missing NetworkGatewayGroup" style warnings are not ours.
  const parsed = parseClusterObjects({ cluster, bgpPeers: [] }, { complete: false });
  const errors = parsed.problems.filter((p) => p.severity === 'error').map((p) => p.message);
  if (errors.length > 0 || parsed.cluster === undefined)
    return { ok: false, problems: errors.length > 0 ? errors : ['not a Cluster'] };
  const derived = nodeSpeakerConfig(parsed.cluster, node);
  if (!derived.ok) return { ok: false, problems: [derived.error] };
  const runningVip = runningVips?.[0];
  if (runningVip !== undefined && derived.vip !== runningVip) {
    return {
      ok: false,
      problems: [
        `spec.loadBalancer.vips.controlPlaneVIP: changed from ${runningVip} to ${derived.vip}; the running advertiser keeps announcing ${runningVip} (restart it to announce ${derived.vip})`,
      ],
    };
  }
  const runningOther = runningVips?.[1];
  if (runningVips !== undefined && derived.vips[1] !== runningOther) {
    const was = runningOther ?? 'none';
    const now = derived.vips[1] ?? 'none';
    return {
      ok: false,
      problems: [
        `spec.loadBalancer.vips.controlPlaneVIPOtherFamily: changed from ${was} to ${now}; the running advertiser keeps announcing ${runningVips.join(' and ')} (restart it to announce the new VIPs)`,
      ],
    };
  }
  const warnings = parsed.problems.filter((p) => p.severity === 'warning').map((p) => p.message);
  return {
    ok: true,
    warnings,
    node: derived.node,
    unannounced: derived.unannounced,
    config: derived.config,
    vip: derived.vip,
    vips: derived.vips,
    checkUrl: derived.checkUrl,
    drain: derived.drain,
  };
}

/**
 * True when two speaker configs would run the same sessions and announce the same VIPs with the
 * same next hops (a new address of the other family found on the host is a change too).
 */
export function sameSpeakerConfig(
  a: { config: AdvertiserConfig; vips: readonly string[] },
  b: { config: AdvertiserConfig; vips: readonly string[] },
): boolean {
  return a.vips.join(' ') === b.vips.join(' ') && JSON.stringify(a.config) === JSON.stringify(b.config);
}
