import type { FileProblem } from './problems.js';
import type { Cluster } from './schemas/cluster.js';
import { type FileValidationResult, validateFiles } from './validate-files.js';

/** Result of loading a cluster configuration file for one Cluster (`--cluster-config FILE`). */
export type ClusterConfigResult =
  | {
      ok: true;
      file: string;
      /** The Cluster, validated with the rest of the file, defaults applied. */
      cluster: Cluster;
      /** Warnings, with file:line:column. */
      problems: FileProblem[];
    }
  | {
      ok: false;
      file: string;
      /** Problems with file:line:column; at least one is an error unless `readError` is set. */
      problems: FileProblem[];
      /** Set when the file could not be read (a usage error: the CLI exits 2). */
      readError?: string;
    };

/**
 * The one Cluster of a validated file, or a positioned error: a file with no Cluster, or with
 * several (a speaker serves one cluster; which one would be a guess).
 */
export function clusterOfFile(result: FileValidationResult): ClusterConfigResult {
  const { file } = result;
  if (result.readError !== undefined) {
    return { ok: false, file, problems: result.problems, readError: result.readError };
  }
  if (!result.ok) return { ok: false, file, problems: result.problems };
  const at = (line: number, message: string): ClusterConfigResult => ({
    ok: false,
    file,
    problems: [...result.problems, { file, line, column: 1, path: '', message, severity: 'error' }],
  });
  // In a valid file every Cluster parsed; `objects` gives their lines.
  const clusters = result.configs.flatMap((c) => (c.cluster !== undefined ? [c.cluster] : []));
  const [cluster, second] = clusters;
  if (cluster === undefined) {
    const others = result.objects.map((o) => `${o.kind}/${o.name ?? '(no name)'}`);
    const held = others.length > 0 ? `it holds ${others.join(', ')}` : 'it holds no object of ours';
    return at(1, `no Cluster in this file (kind: Cluster with spec.loadBalancer); ${held}`);
  }
  if (second !== undefined) {
    const lines = result.objects.filter((o) => o.kind === 'Cluster').map((o) => o.line);
    return at(
      lines[1] ?? 1,
      `a second Cluster (${second.metadata.name}; the first is ${cluster.metadata.name} at line ${lines[0] ?? 1}): give a file with one Cluster`,
    );
  }
  return { ok: true, file, cluster, problems: result.problems };
}

/**
 * Reads and validates a cluster configuration file (multi-document YAML, as `bgpadvertiser
 * validate` does: every object of the file, every rule) and returns its one Cluster. Never throws
 * on input: an unreadable file sets `readError`, anything else is a positioned problem.
 */
export async function loadClusterConfig(path: string): Promise<ClusterConfigResult> {
  const [result] = await validateFiles([path]);
  if (result === undefined) throw new Error('validateFiles returned no result');
  return clusterOfFile(result);
}
