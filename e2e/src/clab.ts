/**
 * Reads a containerlab topology file (`*.clab.yml`) into the few facts the network-namespace
 * runner needs, so that the containerlab lab and the netns lab are built from the same file.
 * Only the subset of containerlab used by e2e/topologies is understood; anything else in a node
 * or link is refused with a message naming it, rather than silently ignored.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

export type NodeRole = 'ctl' | 'control-plane' | 'worker' | 'client' | 'router';

export interface ClabNode {
  name: string;
  kind: 'linux' | 'bridge';
  image?: string;
  /** Commands containerlab runs in the container once it is up (addresses, routes, sysctls). */
  exec: string[];
  /** Host-side path (absolute) of the file bound to /etc/frr/frr.conf, for FRR nodes. */
  frrConfig?: string;
  /** Address on the management network (eth0), without prefix length. */
  mgmtIPv4?: string;
  role: NodeRole;
  /** The Kubernetes node's InternalIP, for cluster nodes (the first one on a dual-stack node). */
  internalIP?: string;
  /**
   * Every InternalIP of a cluster node, one per family, from `bgplb.io/internal-ip: IPv4[,IPv6]`
   * (comma-separated, as kubelet's --node-ip takes them on a dual-stack node).
   */
  internalIPs: string[];
  /** The container's command (what the image runs: `bgplb-e2e-node <role> ...`). */
  cmd?: string;
  /** Environment of the container: the kind's `env`, overridden by the node's. */
  env: Record<string, string>;
}

export interface ClabEndpoint {
  node: string;
  iface: string;
}

export interface ClabTopology {
  name: string;
  dir: string;
  /** Management subnet (CIDR). */
  mgmtSubnet: string;
  nodes: ClabNode[];
  links: [ClabEndpoint, ClabEndpoint][];
}

const NODE_KEYS = new Set(['kind', 'image', 'binds', 'exec', 'mgmt-ipv4', 'labels', 'cmd', 'env']);
const ROLES = new Set<NodeRole>(['ctl', 'control-plane', 'worker', 'client']);

function fail(file: string, what: string): never {
  throw new Error(`${file}: ${what}`);
}

function strings(file: string, where: string, v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    fail(file, `${where} must be a list of strings`);
  return v as string[];
}

function endpoint(file: string, text: unknown, nodes: Map<string, ClabNode>): ClabEndpoint {
  if (typeof text !== 'string') fail(file, `link endpoint ${String(text)} is not "node:interface"`);
  const m = /^([^:]+):([^:]+)$/.exec(text);
  if (!m?.[1] || !m[2]) fail(file, `link endpoint "${text}" is not "node:interface"`);
  if (!nodes.has(m[1])) fail(file, `link endpoint "${text}" names an unknown node`);
  if (m[2].length > 15) fail(file, `link endpoint "${text}": interface names have at most 15 characters`);
  return { node: m[1], iface: m[2] };
}

/** Parses the YAML text of a topology; `file` is used for relative binds and in messages. */
export function parseClab(text: string, file: string): ClabTopology {
  const doc = parse(text) as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object') fail(file, 'not a YAML mapping');
  const name = doc.name;
  if (typeof name !== 'string') fail(file, 'name is missing');
  const mgmt = (doc.mgmt ?? {}) as Record<string, unknown>;
  const mgmtSubnet = typeof mgmt['ipv4-subnet'] === 'string' ? mgmt['ipv4-subnet'] : '172.20.20.0/24';
  const topo = doc.topology as Record<string, unknown> | undefined;
  if (!topo || typeof topo !== 'object') fail(file, 'topology is missing');
  const kinds = (topo.kinds ?? {}) as Record<string, { image?: string; env?: Record<string, string> }>;
  const rawNodes = topo.nodes as Record<string, Record<string, unknown>> | undefined;
  if (!rawNodes || typeof rawNodes !== 'object') fail(file, 'topology.nodes is missing');
  const dir = dirname(resolve(file));
  const nodes = new Map<string, ClabNode>();
  for (const [nodeName, raw] of Object.entries(rawNodes)) {
    const where = `node ${nodeName}`;
    for (const key of Object.keys(raw ?? {})) {
      if (!NODE_KEYS.has(key)) fail(file, `${where}: "${key}" is not supported by the netns runner`);
    }
    const kind = raw?.kind;
    if (kind !== 'linux' && kind !== 'bridge') fail(file, `${where}: kind must be linux or bridge`);
    const labels = (raw.labels ?? {}) as Record<string, string>;
    const image = typeof raw.image === 'string' ? raw.image : kinds[kind]?.image;
    const env = { ...(kinds[kind]?.env ?? {}), ...((raw.env ?? {}) as Record<string, string>) };
    const node: ClabNode = {
      name: nodeName,
      kind,
      exec: strings(file, `${where} exec`, raw.exec),
      role: 'router',
      env,
      internalIPs: [],
    };
    if (typeof raw.cmd === 'string') node.cmd = raw.cmd;
    if (image !== undefined) node.image = image;
    for (const bind of strings(file, `${where} binds`, raw.binds)) {
      const [src, dst] = bind.split(':');
      if (dst === '/etc/frr/frr.conf' && src) node.frrConfig = resolve(dir, src);
    }
    if (typeof raw['mgmt-ipv4'] === 'string') node.mgmtIPv4 = raw['mgmt-ipv4'];
    const role = labels['bgplb.io/role'];
    if (role !== undefined) {
      if (!ROLES.has(role as NodeRole)) fail(file, `${where}: unknown bgplb.io/role "${role}"`);
      node.role = role as NodeRole;
    } else if (kind === 'linux' && node.frrConfig === undefined) {
      fail(
        file,
        `${where}: a linux node needs an FRR config bound to /etc/frr/frr.conf or a bgplb.io/role label`,
      );
    }
    const internal = labels['bgplb.io/internal-ip'];
    if (internal !== undefined) {
      node.internalIPs = internal.split(',').map((ip) => ip.trim());
      const [first] = node.internalIPs;
      if (first !== undefined) node.internalIP = first;
    }
    if ((node.role === 'control-plane' || node.role === 'worker') && node.internalIP === undefined) {
      fail(file, `${where}: cluster nodes need a bgplb.io/internal-ip label`);
    }
    if ((node.role === 'control-plane' || node.role === 'worker' || node.role === 'ctl') && !node.mgmtIPv4) {
      fail(
        file,
        `${where}: ${node.role} nodes need mgmt-ipv4 (they reach the API over the management network)`,
      );
    }
    nodes.set(nodeName, node);
  }
  const links = ((topo.links ?? []) as { endpoints?: unknown[] }[]).map((l, i) => {
    const eps = l.endpoints;
    if (!Array.isArray(eps) || eps.length !== 2) fail(file, `link ${i + 1} needs exactly two endpoints`);
    return [endpoint(file, eps[0], nodes), endpoint(file, eps[1], nodes)] as [ClabEndpoint, ClabEndpoint];
  });
  return { name, dir, mgmtSubnet, nodes: [...nodes.values()], links };
}

export function readClab(file: string): ClabTopology {
  return parseClab(readFileSync(file, 'utf8'), file);
}
