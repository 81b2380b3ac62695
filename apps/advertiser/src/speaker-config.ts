import {
  type AdvertiserConfig,
  controlPlaneSpeakerConfig,
  type DrainSettings,
  type FileProblem,
  formatProblem,
  loadAdvertiserConfig,
  loadClusterConfig,
  localControlPlaneNode,
} from '@bgplb/api-types';

/**
 * Where the control-plane speaker takes its configuration from: a hand-written advertiser config
 * plus `--advertise-ip` (the manual form), or the Cluster file that serves every control-plane node.
 */
export type SpeakerSource =
  | { kind: 'config'; config: string; advertiseIp: string }
  | {
      kind: 'cluster';
      clusterConfig: string;
      /** This node's address; absent: the one control-plane node address found on the host. */
      nodeIp?: string;
    };

/** What the speaker runs with, whichever the source. */
export interface SpeakerSettings {
  /** The file it came from (`--config` or `--cluster-config`). */
  file: string;
  config: AdvertiserConfig;
  /** The VIP announced as IP/32. */
  vip: string;
  /** From a Cluster: `Cluster/<name>`, the node, the default health check URL and drain settings. */
  cluster?: { ref: string; node: string; checkUrl: string; drain: DrainSettings };
  /** Warnings about the file (logged at start and on reload). */
  warnings: FileProblem[];
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

const familyOf = (ip: string) => (ip.includes(':') ? 'IPv6' : 'IPv4');

/**
 * The VIP is announced with localIP as its next hop, and a next hop is of the prefix's family
 * (bgp-fsm refuses an IPv6 prefix with an IPv4 next hop): a VIP of the other family is refused
 * here, with both addresses, rather than when the route is first announced.
 */
export function vipFamilyProblem(vip: string, localIP: string): string | undefined {
  if (familyOf(vip) === familyOf(localIP)) return undefined;
  return `the VIP ${vip} is ${familyOf(vip)} but localIP ${localIP} is ${familyOf(localIP)}: the VIP is announced with localIP as next hop, which must be of the VIP's family`;
}

/**
 * Loads the speaker's configuration from its source. From a Cluster file: the file is validated
 * as `bgpadvertiser validate` does, this node is `nodeIp` or found among `hostAddresses()`, and
 * its config is derived by `controlPlaneSpeakerConfig`. Never throws on input.
 */
export async function loadSpeakerSettings(
  source: SpeakerSource,
  hostAddresses: () => string[],
): Promise<SpeakerSettingsResult> {
  if (source.kind === 'config') {
    const loaded = await loadAdvertiserConfig(source.config);
    if (!loaded.ok) {
      const problems = loaded.problems.map(formatProblem);
      return loaded.readError !== undefined
        ? { ok: false, message: loaded.readError, problems }
        : { ok: false, problems };
    }
    const mismatch = vipFamilyProblem(source.advertiseIp, loaded.config.localIP);
    if (mismatch !== undefined) return { ok: false, message: `${source.config}: ${mismatch}`, problems: [] };
    return {
      ok: true,
      settings: {
        file: source.config,
        config: loaded.config,
        vip: source.advertiseIp,
        warnings: loaded.problems,
      },
    };
  }
  const file = source.clusterConfig;
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
  let node = source.nodeIp;
  if (node === undefined) {
    const found = localControlPlaneNode(cluster, hostAddresses());
    if (!found.ok) return { ok: false, message: `${file}: ${found.error}; pass --node-ip`, problems: [] };
    node = found.node;
  }
  const derived = controlPlaneSpeakerConfig(cluster, node);
  if (!derived.ok) return { ok: false, message: `${file}: ${derived.error}`, problems: [] };
  const mismatch = vipFamilyProblem(derived.vip, derived.config.localIP);
  if (mismatch !== undefined) return { ok: false, message: `${file}: ${mismatch}`, problems: [] };
  return {
    ok: true,
    settings: {
      file,
      config: derived.config,
      vip: derived.vip,
      cluster: {
        ref: `Cluster/${cluster.metadata.name}`,
        node,
        checkUrl: derived.checkUrl,
        drain: derived.drain,
      },
      warnings: loaded.problems,
    },
  };
}
