import {
  type AdvertiserConfig,
  type DrainSettings,
  type FileProblem,
  formatProblem,
  loadAdvertiserConfig,
} from '@bgplb/api-types/advertiser-config';
import type { HostAddress } from './shared/host-addresses.js';
import { noNextHopReason, vipNextHop } from './vip-next-hops.js';

/**
 * Where the control-plane speaker takes its configuration from: a hand-written advertiser config
 * plus `--advertise-ip` (the manual form), or the Cluster file that serves every control-plane node.
 */
export type SpeakerSource =
  | {
      kind: 'config';
      config: string;
      /** `--advertise-ip`, repeatable: at most one VIP per family. */
      advertiseIps: string[];
    }
  | {
      kind: 'cluster';
      clusterConfig: string;
      /** This node's address; absent: the one control-plane node address found on the host. */
      nodeIp?: string;
      /** This node's address of the other family; absent: found on the interface of its address. */
      nodeIpOtherFamily?: string;
    };

/** What the speaker runs with, whichever the source. */
export interface SpeakerSettings {
  /** The file it came from (`--config` or `--cluster-config`). */
  file: string;
  config: AdvertiserConfig;
  /** The VIPs announced as IP/32 (IPv6: IP/128): one, or one of each family. */
  vips: string[];
  /** From a Cluster: `Cluster/<name>`, the node, the default health check URL and drain settings. */
  cluster?: { ref: string; node: string; checkUrl: string; drain: DrainSettings };
  /** Warnings about the file (logged at start and on reload). */
  warnings: FileProblem[];
  /**
   * From a Cluster: VIP -> why this node does not announce it (no address of its family found on
   * the host), said instead of the `--config` form's advice.
   */
  unannounced?: Record<string, string>;
}

export type SpeakerSettingsResult =
  | { ok: true; settings: SpeakerSettings }
  | {
      ok: false;
      /** A file-level error (unreadable, which node): printed as `bgpadvertiser: <message>`. */
      message?: string;
      /** Positioned problems, each a complete `file:line:col: message` line. */
      problems: string[];
    };

/**
 * A VIP is announced with this node's address of its family as next hop (bgp-fsm refuses an IPv6
 * prefix with an IPv4 next hop): when no VIP has one, the start is refused here, naming the
 * addresses, rather than announcing nothing. (With one VIP of each family and an address of one
 * family, the other VIP is left out and the advertiser says so once.)
 */
export function vipFamilyProblem(
  vips: readonly string[],
  config: Pick<AdvertiserConfig, 'localIP' | 'localIPOtherFamily'>,
): string | undefined {
  if (vips.some((vip) => vipNextHop(config, vip) !== undefined)) return undefined;
  return noNextHopReason(config, vips[0] as string);
}

/**
 * Loads the speaker's configuration from its source. From a Cluster file: the file is validated
 * as `bgpadvertiser validate` does, and this node's share derived from it (cluster-node.ts: the
 * node is `nodeIp` or found among `hostAddresses()`, and so is its address of the other family).
 * Never throws on input.
 */
export async function loadSpeakerSettings(
  source: SpeakerSource,
  hostAddresses: () => readonly HostAddress[],
): Promise<SpeakerSettingsResult> {
  if (source.kind === 'config') {
    const loaded = await loadAdvertiserConfig(source.config);
    if (!loaded.ok) {
      const problems = loaded.problems.map(formatProblem);
      return loaded.readError !== undefined
        ? { ok: false, message: loaded.readError, problems }
        : { ok: false, problems };
    }
    const mismatch = vipFamilyProblem(source.advertiseIps, loaded.config);
    if (mismatch !== undefined) return { ok: false, message: `${source.config}: ${mismatch}`, problems: [] };
    return {
      ok: true,
      settings: {
        file: source.config,
        config: loaded.config,
        vips: source.advertiseIps,
        warnings: loaded.problems,
      },
    };
  }
  const file = source.clusterConfig;
  // The Cluster's schemas and rules, loaded only for --cluster-config: the manual procedure
  // (--config) reads the advertiser config alone (docs/benchmarks.md, "advertiser control-plane mode").
  const [{ loadClusterConfig }, { nodeSpeakerConfig }] = await Promise.all([
    import('@bgplb/api-types'),
    import('./cluster-node.js'),
  ]);
  const loaded = await loadClusterConfig(file);
  if (!loaded.ok) {
    const problems = loaded.problems.map(formatProblem);
    if (loaded.readError !== undefined) return { ok: false, message: loaded.readError, problems };
    return {
      ok: false,
      message: `${file} is not valid (bgpadvertiser validate ${file} lists the same problems)`,
      problems,
    };
  }
  const { cluster } = loaded;
  const derived = nodeSpeakerConfig(cluster, {
    nodeIp: source.nodeIp,
    nodeIpOtherFamily: source.nodeIpOtherFamily,
    hostAddresses,
  });
  if (!derived.ok) return { ok: false, message: `${file}: ${derived.error}`, problems: [] };
  const { node } = derived;
  const mismatch = vipFamilyProblem(derived.vips, derived.config);
  if (mismatch !== undefined) {
    // The reason found on the host (which interface has no address of the VIP's family) first.
    const vip = derived.vips[0] as string;
    const found = derived.unannounced[vip];
    const why = found !== undefined ? `the control-plane VIP ${vip} has no next hop: ${found}` : mismatch;
    return { ok: false, message: `${file}: ${why}`, problems: [] };
  }
  return {
    ok: true,
    settings: {
      file,
      config: derived.config,
      vips: derived.vips,
      cluster: {
        ref: `Cluster/${cluster.metadata.name}`,
        node,
        checkUrl: derived.checkUrl,
        drain: derived.drain,
      },
      warnings: loaded.problems,
      unannounced: derived.unannounced,
    },
  };
}
