/**
 * The last good configuration of live mode: the Cluster object whose config this node last applied,
 * kept in a local file so that the speaker can start (and announce the control-plane VIP) while
 * the API server is unreachable, which it always is when a control-plane node boots: the API
 * server behind the VIP needs the VIP. The file is a Cluster YAML like the one given to
 * `--cluster-config`, so an operator can read it, validate it and run from it by hand.
 * Writes are atomic (temp file + rename in the same directory): a crash mid-write leaves the
 * previous file, never half of one.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';

/** What is persisted of a Cluster: identity and spec (no status, managedFields or resourceVersion). */
export function persistedCluster(cluster: Record<string, unknown>): Record<string, unknown> {
  const meta = (cluster.metadata ?? {}) as Record<string, unknown>;
  const metadata: Record<string, unknown> = { name: meta.name };
  if (meta.namespace !== undefined) metadata.namespace = meta.namespace;
  if (meta.generation !== undefined) metadata.generation = meta.generation;
  return { apiVersion: cluster.apiVersion, kind: cluster.kind, metadata, spec: cluster.spec };
}

/** Writes `cluster` (see {@link persistedCluster}) to `path` atomically, creating its directory. */
export async function saveLastGood(
  path: string,
  cluster: Record<string, unknown>,
  savedAt: Date,
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const text = `# Written by bgpadvertiser live mode at ${savedAt.toISOString()}: the last Cluster whose
# control-plane peers this node applied. Used at start-up when the API server is unreachable.
${stringify(persistedCluster(cluster))}`;
  const temp = join(dir, `.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

export type LastGood =
  | { ok: true; cluster: Record<string, unknown> }
  | { ok: false; missing: boolean; error: string };

/** Reads the file written by {@link saveLastGood}. A missing file is `missing`, not an error to log loudly. */
export async function loadLastGood(path: string): Promise<LastGood> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, missing: e.code === 'ENOENT', error: `cannot read ${path}: ${e.message}` };
  }
  try {
    const value: unknown = parse(text, { maxAliasCount: 100 });
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { ok: false, missing: false, error: `${path}: expected a Cluster object` };
    return { ok: true, cluster: value as Record<string, unknown> };
  } catch (err) {
    return { ok: false, missing: false, error: `${path}: ${(err as Error).message}` };
  }
}
