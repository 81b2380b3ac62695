/** Test support: the Cluster of examples/02 as a plain object (as the API server returns it). */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const EXAMPLE = new URL('../../../../examples/02-control-plane-nodes-per-peer.yaml', import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: test fixtures are edited freely
export type ClusterObject = Record<string, any>;

/** A fresh copy of example 02's Cluster (three control-plane nodes; peers with controlPlaneNodes). */
export function exampleCluster(): ClusterObject {
  const docs = parseAllDocuments(readFileSync(EXAMPLE, 'utf8'));
  const cluster = docs.map((d) => d.toJS() as ClusterObject).find((o) => o?.kind === 'Cluster');
  if (cluster === undefined) throw new Error(`${EXAMPLE.pathname}: no Cluster`);
  return cluster;
}
