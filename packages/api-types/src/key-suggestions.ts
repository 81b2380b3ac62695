import type { z } from 'zod';
import { formatPath, type PathSegment } from './problems.js';

/**
 * Where a key that users often write at the wrong level belongs, by the mapping it was found in
 * (path with list indexes written `[]`). Edit distance cannot find these: the name is right, the
 * level is not.
 */
const MISPLACED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'spec.loadBalancer': {
    nodes: 'spec.loadBalancer.nodePoolSpec.nodes',
    peers: 'spec.loadBalancer.bgpPeers',
    controlPlaneVIP: 'spec.loadBalancer.vips.controlPlaneVIP',
    ingressVIP: 'spec.loadBalancer.vips.ingressVIP',
    controlPlaneLBPort: 'spec.loadBalancer.ports.controlPlaneLBPort',
    advancedNetworking: 'spec.clusterNetwork.advancedNetworking',
  },
  'spec.loadBalancer.bgpPeers[]': {
    peerIP: 'spec.loadBalancer.bgpPeers[].ip',
    peerASN: 'spec.loadBalancer.bgpPeers[].asn',
    localASN: 'spec.loadBalancer.localASN',
  },
  'spec.loadBalancer.nodePoolSpec': {
    address: 'spec.loadBalancer.nodePoolSpec.nodes[].address',
  },
  'spec.loadBalancer.vips': {
    controlPlaneLBPort: 'spec.loadBalancer.ports.controlPlaneLBPort',
  },
};

/**
 * The keys of the Cluster's `spec` that belong under `spec.loadBalancer`: `spec` is not ours, so
 * unknown keys stay allowed there, but these are almost always a snippet pasted at the wrong
 * indentation (the step-5 snippet of the spec lands at `spec.nodePoolSpec` when pasted as printed).
 */
export const CLUSTER_SPEC_MISPLACEMENTS: readonly string[] = [
  'nodePoolSpec',
  'bgpPeers',
  'addressPools',
  'vips',
  'localASN',
  'type',
  'mode',
];

/**
 * Values that make `spec.type` / `spec.mode` a misplaced load-balancer field. The Cluster has a
 * `spec.type` of its own (`admin`, `user`, `hybrid`, `standalone`): that one is not warned about.
 */
export const MISPLACED_ONLY_WITH: Readonly<Record<string, readonly string[]>> = {
  type: ['bgp', 'layer2'],
  mode: ['bundled', 'manual'],
};

/** Peer keys refused with an explanation instead of "unknown field". */
export const UNSUPPORTED_KEYS: Readonly<Record<string, string>> = {
  password:
    'TCP MD5 authentication (RFC 2385) is not supported: Node.js cannot set TCP_MD5SIG on a socket, so bgplb cannot sign its sessions; remove the password here and on the router',
};

interface ZodDef {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  innerType?: z.core.$ZodType;
  element?: z.core.$ZodType;
  in?: z.core.$ZodType;
}

function defOf(schema: z.core.$ZodType): ZodDef {
  return (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
}

/** The keys of the object schema found at `path` inside `schema` (through optional, default, lists). */
export function knownKeysAt(schema: z.core.$ZodType, path: readonly PathSegment[]): string[] {
  let node: z.core.$ZodType | undefined = schema;
  const unwrap = () => {
    for (let def = defOf(node!); node !== undefined; def = defOf(node)) {
      if (def.innerType !== undefined) node = def.innerType;
      else if (def.type === 'pipe' && def.in !== undefined) node = def.in;
      else break;
    }
  };
  for (const segment of path) {
    unwrap();
    const def = defOf(node);
    if (typeof segment === 'number') node = def.element;
    else node = def.shape?.[segment];
    if (node === undefined) return [];
  }
  unwrap();
  return Object.keys(defOf(node).shape ?? {});
}

/** True when two field names differ by at most two edits (typos such as peerAS / peerASN). */
export function similar(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (Math.abs(x.length - y.length) > 2) return false;
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return (previous[y.length] ?? 0) <= 2;
}

/**
 * Where an unknown `key` found in the mapping at `at` was probably meant to go, as a full path
 * (`spec.loadBalancer.nodePoolSpec`): a known misplacement first, then a known key of the same
 * mapping within two edits.
 */
export function suggestKey(
  key: string,
  at: readonly PathSegment[],
  schema: z.core.$ZodType | undefined,
): string | undefined {
  const pattern = formatPath(at.map((s) => (typeof s === 'number' ? 0 : s))).replace(/\[0\]/g, '[]');
  const misplaced = MISPLACED[pattern]?.[key];
  if (misplaced !== undefined) {
    // Index the suggestion like the path it was found under (bgpPeers[1].peerIP -> bgpPeers[1].ip).
    let i = 0;
    const indexes = at.filter((s): s is number => typeof s === 'number');
    return misplaced.replace(/\[\]/g, () => (i < indexes.length ? `[${indexes[i++]}]` : '[0]'));
  }
  if (schema === undefined) return undefined;
  const near = knownKeysAt(schema, at).find((k) => k !== key && similar(k, key));
  return near === undefined ? undefined : formatPath([...at, near]);
}
