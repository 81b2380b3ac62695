import { type Document, isMap, LineCounter } from 'yaml';
import { readConfigFile } from './config-bytes.js';
import { CLUSTER_GROUP, GROUP, isKnownKind, type KnownKind, STATUS_NAMESPACE } from './constants.js';
import { parseObject } from './parse.js';
import { objectRef } from './parse-with.js';
import { findPlaceholders, isUnder } from './placeholders.js';
import { type FileProblem, KEY_PROBLEMS, type Problem, parsePath, problem } from './problems.js';
import { type ParsedClusterObjects, parseClusterObjects } from './validate-cluster.js';
import { readYamlDocuments } from './yaml-documents.js';
import { locate } from './yaml-locate.js';

/** An object of one of our kinds found in a file. */
export interface FoundObject {
  kind: KnownKind;
  name?: string;
  namespace?: string;
  line: number;
}

/** A document of a kind we do not know: listed, not validated. */
export interface IgnoredObject {
  kind: string;
  apiVersion?: string;
  name?: string;
  line: number;
  column: number;
}

/** The validation result of one file. */
export interface FileValidationResult {
  file: string;
  /** True when the file was read and has no `error` problem (warnings allowed). */
  ok: boolean;
  /** Set when the file could not be read (missing, unreadable): a usage error, not a config error. */
  readError?: string;
  /** Problems sorted by line and column. */
  problems: FileProblem[];
  objects: FoundObject[];
  ignored: IgnoredObject[];
  /**
   * The parsed objects of each cluster configuration in the file (defaults applied), one per
   * Cluster (plus one per namespace of objects without a Cluster). Use them only when `ok`.
   */
  configs: ParsedClusterObjects[];
}

/** One YAML document of one of our kinds, with what is needed to locate its problems. */
interface Entry {
  kind: KnownKind;
  value: Record<string, unknown>;
  name: string | undefined;
  namespace: string | undefined;
  doc: Document;
  source: SourceFile;
  /** Paths of placeholder values (`PEER_IP`): reported once each, other problems there are not. */
  placeholders: string[];
}

interface SourceFile {
  file: string;
  text: string;
  lineCounter: LineCounter;
  result: FileValidationResult;
  /** Set when a document (or the whole file) could not be read: its objects are unknown. */
  incomplete?: boolean;
}

function stringField(value: unknown, ...path: string[]): string | undefined {
  let node: unknown = value;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'string' ? node : undefined;
}

function addProblem(entry: Entry, p: Problem): void {
  const { source, doc } = entry;
  if (entry.placeholders.some((at) => isUnder(p.path, at))) return;
  const { line, column } = locate(doc, source.lineCounter, parsePath(p.path), KEY_PROBLEMS.has(p));
  source.result.problems.push({ ...p, file: source.file, line, column });
}

function readDocuments(source: SourceFile, entries: Entry[]): void {
  const { text, result, file } = source;
  const { docs, lineCounter } = readYamlDocuments(text);
  source.lineCounter = lineCounter;
  for (const read of docs) {
    if (!read.ok) {
      source.incomplete = true;
      const { message, line, column } = read;
      result.problems.push({ file, line, column, path: '', message, severity: 'error' });
      continue;
    }
    const { doc, value } = read;
    if (value === null || value === undefined) continue; // comments only, or a trailing ---
    const docStart = lineCounter.linePos(doc.contents?.range?.[0] ?? 0);
    if (!isMap(doc.contents) || typeof value !== 'object' || Array.isArray(value)) {
      result.problems.push({
        file,
        line: docStart.line,
        column: docStart.col,
        path: '',
        message: 'expected a Kubernetes object (a mapping with apiVersion, kind, metadata and spec)',
        severity: 'error',
      });
      continue;
    }
    const object = value as Record<string, unknown>;
    const kind = object.kind;
    const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : undefined;
    const group = apiVersion?.split('/')[0];
    const ours = apiVersion === undefined || group === GROUP || group === CLUSTER_GROUP;
    if (!isKnownKind(kind) || !ours) {
      if (typeof kind !== 'string') {
        const at = locate(doc, lineCounter, ['kind']);
        result.problems.push({
          file,
          ...at,
          path: 'kind',
          message: 'kind: every document needs a kind (e.g. Cluster, NetworkGatewayGroup, BGPPeer)',
          severity: 'error',
        });
        continue;
      }
      const ignored: IgnoredObject = { kind, line: docStart.line, column: docStart.col };
      if (apiVersion !== undefined) ignored.apiVersion = apiVersion;
      const name = stringField(object, 'metadata', 'name');
      if (name !== undefined) ignored.name = name;
      result.ignored.push(ignored);
      continue;
    }
    const entry: Entry = {
      kind,
      value: object,
      name: stringField(object, 'metadata', 'name'),
      namespace: stringField(object, 'metadata', 'namespace'),
      doc,
      source,
      placeholders: [],
    };
    const placeholders = findPlaceholders(object, objectRef(object));
    for (const p of placeholders) addProblem(entry, p);
    entry.placeholders = placeholders.map((p) => p.path);
    const found: FoundObject = { kind, line: docStart.line };
    if (entry.name !== undefined) found.name = entry.name;
    if (entry.namespace !== undefined) found.namespace = entry.namespace;
    result.objects.push(found);
    entries.push(entry);
  }
}

/** Validates an object on its own (shape only); used for objects outside any cluster group. */
function validateAlone(entry: Entry): void {
  const parsed = parseObject(entry.value);
  if (!parsed.ok) for (const p of parsed.problems) addProblem(entry, p);
  else if (
    (entry.kind === 'BGPSession' || entry.kind === 'BGPAdvertisedRoute') &&
    entry.namespace !== undefined &&
    entry.namespace !== STATUS_NAMESPACE
  ) {
    addProblem(
      entry,
      problem(
        ['metadata', 'namespace'],
        `${entry.kind} objects live in namespace ${STATUS_NAMESPACE}, got "${entry.namespace}"`,
        'error',
        objectRef(entry.value),
      ),
    );
  }
}

/** Namespace a Cluster's objects live in: `cluster-<name>`. */
function clusterNamespace(entry: Entry): string {
  return `cluster-${entry.name}`;
}

function validateGroup(cluster: Entry | undefined, members: Entry[], complete: boolean): void {
  const ggs = members.filter((e) => e.kind === 'NetworkGatewayGroup');
  const lbs = members.filter((e) => e.kind === 'BGPLoadBalancer');
  const peers = members.filter((e) => e.kind === 'BGPPeer');
  const primary = (list: Entry[]) => list.find((e) => e.name === 'default') ?? list[0];
  const ngg = primary(ggs);
  const lb = primary(lbs);
  const byRef = new Map<string, Entry>();
  for (const e of [cluster, ngg, lb, ...peers])
    if (e !== undefined) byRef.set(objectRef(e.value) ?? e.kind, e);
  const input: Parameters<typeof parseClusterObjects>[0] = { bgpPeers: peers.map((e) => e.value) };
  if (cluster !== undefined) input.cluster = cluster.value;
  if (ngg !== undefined) input.networkGatewayGroup = ngg.value;
  if (lb !== undefined) input.bgpLoadBalancer = lb.value;
  const fallback = cluster ?? ngg ?? lb ?? peers[0];
  const parsed = parseClusterObjects(input, { complete });
  fallback?.source.result.configs.push(parsed);
  for (const p of parsed.problems) {
    const entry = (p.object !== undefined ? byRef.get(p.object) : undefined) ?? fallback;
    if (entry !== undefined) addProblem(entry, p);
  }
  // Extra NetworkGatewayGroups / BGPLoadBalancers beyond the one that is used.
  for (const extra of [...ggs, ...lbs].filter((e) => e !== ngg && e !== lb)) {
    addProblem(
      extra,
      problem(
        ['metadata', 'name'],
        `only one ${extra.kind} (named "default") is used per cluster; "${extra.name}" would be ignored`,
        'error',
        objectRef(extra.value),
      ),
    );
  }
}

/** Reports objects that appear twice (same kind, namespace and name) at the later copy. */
function dropDuplicates(entries: Entry[]): Entry[] {
  const seen = new Map<string, Entry>();
  const kept: Entry[] = [];
  for (const entry of entries) {
    const key = `${entry.kind}/${entry.namespace ?? ''}/${entry.name}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, entry);
      kept.push(entry);
      continue;
    }
    const at = locate(first.doc, first.source.lineCounter, ['metadata', 'name']);
    addProblem(
      entry,
      problem(
        ['metadata', 'name'],
        `duplicate ${entry.kind} "${entry.name}": already defined at line ${at.line}`,
        'error',
        objectRef(entry.value),
      ),
    );
  }
  return kept;
}

/**
 * Validates cluster configuration files (multi-document YAML): YAML syntax, the schema of every
 * object of our kinds and all semantic rules across the objects of a cluster. Each file is one
 * configuration (Cluster + NetworkGatewayGroup + BGPLoadBalancer + BGPPeers, as in `examples/`) and
 * is validated on its own, so several cluster files can be checked in one call. Every problem
 * carries file, line and column. Documents of other kinds are listed in `ignored`. A file that
 * cannot be read has `readError` set (and no problems).
 */
export async function validateFiles(paths: readonly string[]): Promise<FileValidationResult[]> {
  const sources: SourceFile[] = [];
  for (const file of paths) {
    const result = emptyResult(file);
    const read = await readConfigFile(file);
    if (read.ok) sources.push({ file, text: read.text, lineCounter: new LineCounter(), result });
    else if ('readError' in read) {
      result.readError = read.readError;
      sources.push({ file, text: '', lineCounter: new LineCounter(), result });
    } else {
      // Too large, not text: one positioned problem, and no YAML is read.
      const { line, column, message } = read;
      result.problems.push({ file, line, column, path: '', message, severity: 'error' });
      sources.push({ file, text: '', lineCounter: new LineCounter(), result, incomplete: true });
    }
  }
  for (const source of sources) if (source.result.readError === undefined) validateSources([source]);
  return sources.map((s) => s.result);
}

/** A file's result before anything is known about it. */
function emptyResult(file: string): FileValidationResult {
  return { file, ok: false, problems: [], objects: [], ignored: [], configs: [] };
}

/** Validates YAML text that did not come from a file (`file` names it in the problems). */
export function validateText(text: string, file = '<input>'): FileValidationResult {
  const result = emptyResult(file);
  validateSources([{ file, text, lineCounter: new LineCounter(), result }]);
  return result;
}

function validateSources(sources: SourceFile[]): void {
  const all: Entry[] = [];
  for (const source of sources) readDocuments(source, all);
  const named = all.filter((e) => e.name !== undefined);
  for (const unnamed of all.filter((e) => e.name === undefined)) validateAlone(unnamed);
  const entries = dropDuplicates(named);

  const clusters = entries.filter((e) => e.kind === 'Cluster');
  const groups = new Map<Entry | undefined, Entry[]>(clusters.map((c) => [c, []]));
  const orphans = new Map<string, Entry[]>();
  for (const entry of entries) {
    if (entry.kind === 'Cluster') continue;
    if (entry.kind === 'BGPSession' || entry.kind === 'BGPAdvertisedRoute') {
      validateAlone(entry);
      continue;
    }
    const owner =
      clusters.find((c) => clusterNamespace(c) === entry.namespace) ??
      (clusters.length === 1 ? clusters[0] : undefined);
    if (owner !== undefined) groups.get(owner)?.push(entry);
    else {
      const key = entry.namespace ?? '';
      orphans.set(key, [...(orphans.get(key) ?? []), entry]);
    }
  }
  // After a document that could not be read some objects are unknown: skip "missing object" warnings then.
  const complete = !sources.some((s) => s.incomplete === true);
  for (const [cluster, members] of groups) validateGroup(cluster, members, complete);
  for (const members of orphans.values()) validateGroup(undefined, members, complete);

  for (const { result } of sources) {
    result.problems.sort((a, b) => a.line - b.line || a.column - b.column);
    result.ok = !result.problems.some((p) => p.severity === 'error');
  }
}
