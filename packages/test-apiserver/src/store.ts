import { randomUUID } from 'node:crypto';
import { crdStatus } from './builtins.js';
import { clone, deepEqual } from './deep.js';
import { rfc3339 } from './duration.js';
import { type FieldSelector, matchesFields } from './fields.js';
import { type LabelSelector, matchesLabels } from './labels.js';
import { validateObjectMeta } from './object-meta.js';
import type { Registry } from './registry.js';
import {
  checkSelectableFields,
  crdToResource,
  groupVersion,
  type ResourceDef,
  resourceKey,
  validateName,
} from './resources.js';
import { applyDefaults, prune, validateSchema } from './schema.js';
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  expired,
  invalid,
  MODIFIED_CONFLICT,
  notFound,
} from './status.js';
import { normalizeTimes } from './timestamps.js';
import type { CustomResourceDefinition, KubeObject, WatchEventType } from './types.js';

/** One committed change, as an etcd watch event: the object after the change, and before it. */
interface HistoryEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  storageKey: string;
  object: KubeObject;
  old: KubeObject | undefined;
}

export interface WatchSink {
  send(type: WatchEventType, obj: KubeObject): void;
  /** The store ends a watch (410 on a later resync, its CRD deleted). */
  close(): void;
}

export interface Selection {
  namespace?: string | undefined;
  labelSelector?: LabelSelector | undefined;
  fieldSelector?: FieldSelector | undefined;
}

export interface ListOptions extends Selection {
  /** A list at a resourceVersion not reached yet is a 504, as in kube-apiserver. */
  resourceVersion?: string | undefined;
  /** `Exact` reads the state at `resourceVersion`; `NotOlderThan` (or nothing) the latest. */
  resourceVersionMatch?: string | undefined;
  limit?: number | undefined;
  continueToken?: string | undefined;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** Filled with warnings (pruned unknown fields under `Warn`), sent as `Warning` headers. */
  warnings?: string[];
}

export interface UpdateOptions extends WriteOptions {
  subresource?: 'status' | undefined;
  /** Precondition from the request (PUT body or patch); `undefined` means unconditional. */
  expectedResourceVersion?: string | undefined;
  /** Whether a missing object may be created (PUT with allowCreateOnUpdate, server-side apply). */
  createIfMissing?: boolean;
}

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export interface DeleteOptions extends WriteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  /** What happens to dependents (objects whose ownerReferences name this one); default Background. */
  propagationPolicy?: PropagationPolicy;
}

export interface WatchOptions extends Selection {
  resourceVersion?: string | undefined;
  sendInitialEvents?: boolean;
  allowWatchBookmarks?: boolean;
}

export interface StoreOptions {
  /** Number of change events kept for watches that resume from a resourceVersion (default 10000). */
  historyLimit?: number;
  /** Create a missing namespace on first write into it instead of answering 404 (default false). */
  autoCreateNamespaces?: boolean;
  /** Delete objects whose ownerReferences all point at absent owners, as the GC controller (default true). */
  garbageCollection?: boolean;
  /**
   * The first resourceVersion (default 1). Older ones count as compacted (410 Gone), so a server
   * restarted with a higher start (the CLI uses the clock) makes clients of the previous one re-list
   * instead of waiting for versions that will never come.
   */
  initialResourceVersion?: number;
}

interface Watcher {
  def: ResourceDef;
  version: string;
  selection: Selection;
  sink: WatchSink;
}

const NAMESPACES = '/namespaces';
const CRDS = 'apiextensions.k8s.io/customresourcedefinitions';
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function storageKeyOf(def: ResourceDef): string {
  return def.storage?.key ?? resourceKey(def.group, def.plural);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Everything of an object except metadata and status: what bumps metadata.generation. */
function specPart(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

function checkObjectMeta(def: ResourceDef, obj: KubeObject): void {
  const errors = validateObjectMeta(obj);
  if (errors.length > 0) throw invalid(def.group, def.kind, obj.metadata.name ?? '', errors);
}

/** ObjectMeta is typed even for custom resources: empty maps, lists and strings are omitted. */
function dropEmptyMetadata(obj: KubeObject): void {
  const m = obj.metadata as Record<string, unknown>;
  for (const [k, v] of Object.entries(m)) {
    const empty =
      v === '' ||
      v === null ||
      (Array.isArray(v) && v.length === 0) ||
      (isObject(v) && Object.keys(v).length === 0);
    if (empty) delete m[k];
  }
}

function parseResourceVersion(rv: string, what = 'resourceVersion'): number {
  if (!/^\d+$/.test(rv)) throw badRequest(`${what}: Invalid value: "${rv}": must be a non-negative integer`);
  return Number(rv);
}

/**
 * The in-memory etcd: objects per resource, one global revision counter, a bounded history of
 * change events for watches, and the write semantics of kube-apiserver's generic registry.
 */
export class Store {
  private revision = 1;
  /** Server-side apply: the last configuration each field manager applied, per object. */
  readonly appliedConfigs = new Map<string, KubeObject>();
  private readonly data = new Map<string, Map<string, KubeObject>>();
  private readonly history: HistoryEvent[] = [];
  /** Highest revision no longer in `history`: a watch from an older revision gets 410 Gone. */
  private compactedRevision = 0;
  private readonly watchers = new Set<Watcher>();
  private readonly historyLimit: number;
  private readonly autoCreateNamespaces: boolean;
  /** owner uid -> keys (storageKey|ns/name) of objects listing it in ownerReferences. */
  private readonly dependents = new Map<string, Set<string>>();
  /** uid -> namespace of the live object ('' when cluster-scoped): what the GC resolves owners with. */
  private readonly uids = new Map<string, string>();
  private readonly garbageCollection: boolean;
  /** uid -> storageKey|namespace/name of the live object, to find owners. */
  private readonly byUid = new Map<string, string>();
  /** Owners being deleted in the foreground: absent for the GC, present until their dependents are gone. */
  private readonly foregroundOwners = new Set<string>();
  private gcPending = new Set<string>();
  private gcScheduled = false;

  constructor(
    readonly registry: Registry,
    options: StoreOptions = {},
  ) {
    this.historyLimit = Math.max(1, options.historyLimit ?? 10000);
    this.autoCreateNamespaces = options.autoCreateNamespaces ?? false;
    this.garbageCollection = options.garbageCollection ?? true;
    const initial = options.initialResourceVersion ?? 1;
    if (!Number.isSafeInteger(initial) || initial < 1) {
      throw new Error(`initialResourceVersion must be a positive integer: ${initial}`);
    }
    this.revision = initial;
    this.compactedRevision = initial - 1;
  }

  /** kube-apiserver answers a resourceVersion it has not reached yet with 504 "Too large resource version". */
  checkNotTooLarge(rv: number): void {
    if (rv > this.revision) {
      throw new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${this.revision}`, {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
        retryAfterSeconds: 1,
      });
    }
  }

  /** The current global resourceVersion (etcd revision). */
  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch can still resume from. */
  get oldestResourceVersion(): number {
    return this.compactedRevision;
  }

  /** Drops the whole watch history, as an etcd compaction: older resourceVersions get 410 Gone. */
  compact(): void {
    this.history.length = 0;
    this.compactedRevision = this.revision;
  }

  // ---- reads ---------------------------------------------------------------------------

  private bucket(def: ResourceDef): Map<string, KubeObject> {
    const key = storageKeyOf(def);
    let b = this.data.get(key);
    if (b === undefined) {
      b = new Map();
      this.data.set(key, b);
    }
    return b;
  }

  /**
   * Converts a stored object to what a client of `version` sees. The copy is shallow: stored
   * objects are never modified after commit, and callers only serialise what they get (the
   * in-process ObjectStore deep-copies for tests).
   */
  present(def: ResourceDef, version: string, stored: KubeObject): KubeObject {
    if (def.storage !== undefined) return def.storage.fromStorage(stored);
    return { ...stored, apiVersion: groupVersion(def.group, version), kind: def.kind };
  }

  /** The storage form of a client's object; `obj` must be a private copy (it may be modified). */
  private fromClient(def: ResourceDef, obj: KubeObject): KubeObject {
    const copy = obj;
    const stored = def.storage !== undefined ? def.storage.toStorage(copy) : copy;
    if (def.storage === undefined) stored.apiVersion = groupVersion(def.group, def.storageVersion);
    stored.kind = def.kind;
    if (def.timeFields !== undefined) normalizeTimes(stored, def.timeFields);
    dropEmptyMetadata(stored);
    return stored;
  }

  private raw(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.data.get(storageKeyOf(def))?.get(objectKey(def.namespaced ? namespace : undefined, name));
  }

  get(def: ResourceDef, version: string, namespace: string | undefined, name: string): KubeObject {
    const stored = this.raw(def, namespace, name);
    if (stored === undefined) throw notFound(def, name);
    return this.present(def, version, stored);
  }

  tryGet(
    def: ResourceDef,
    version: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined {
    const stored = this.raw(def, namespace, name);
    return stored === undefined ? undefined : this.present(def, version, stored);
  }

  private matches(def: ResourceDef, version: string, sel: Selection, stored: KubeObject): boolean {
    if (
      def.namespaced &&
      sel.namespace !== undefined &&
      sel.namespace !== '' &&
      stored.metadata.namespace !== sel.namespace
    ) {
      return false;
    }
    if (
      sel.labelSelector !== undefined &&
      sel.labelSelector.length > 0 &&
      !matchesLabels(sel.labelSelector, stored.metadata.labels)
    ) {
      return false;
    }
    if (sel.fieldSelector !== undefined && sel.fieldSelector.length > 0) {
      const view = def.storage !== undefined ? this.present(def, version, stored) : stored;
      if (!matchesFields(sel.fieldSelector, view, def.fieldLabels)) return false;
    }
    return true;
  }

  /**
   * The objects of a resource as they were at revision `rv`, rebuilt by undoing the history
   * newer than it (as etcd serves a read at a past revision); 410 Gone once compacted.
   */
  private snapshotAt(def: ResourceDef, rv: number, expiredMessage: string): Map<string, KubeObject> {
    const current = this.bucket(def);
    if (rv >= this.revision) return current;
    if (rv < this.compactedRevision) throw new ApiError(410, 'Expired', expiredMessage);
    const key = storageKeyOf(def);
    const snapshot = new Map(current);
    for (let i = this.history.length - 1; i >= 0 && this.history[i]!.rv > rv; i--) {
      const ev = this.history[i]!;
      if (ev.storageKey !== key) continue;
      const k = objectKey(ev.object.metadata.namespace, ev.object.metadata.name ?? '');
      if (ev.type === 'ADDED' || ev.old === undefined) snapshot.delete(k);
      else snapshot.set(k, ev.old);
    }
    return snapshot;
  }

  /**
   * A list. `resourceVersionMatch=Exact` reads the state at that resourceVersion, a continue token
   * the state its first page was read at (a consistent snapshot, as etcd gives); everything else
   * reads the latest state. A resourceVersion not reached yet is a 504.
   */
  list(def: ResourceDef, version: string, options: ListOptions = {}): ListResult {
    checkSelectableFields(
      def,
      version,
      (options.fieldSelector ?? []).map((r) => r.path),
    );
    let at = this.revision;
    if (options.resourceVersion !== undefined && options.resourceVersion !== '') {
      const rv = parseResourceVersion(options.resourceVersion);
      this.checkNotTooLarge(rv);
      if (options.resourceVersionMatch === 'Exact') {
        if (rv === 0)
          throw badRequest(
            'resourceVersionMatch: Forbidden: resourceVersionMatch "Exact" is forbidden for resourceVersion "0"',
          );
        at = rv;
      }
    }
    let start = '';
    let bucket: Map<string, KubeObject>;
    if (options.continueToken !== undefined && options.continueToken !== '') {
      const token = decodeContinue(options.continueToken);
      start = token.start;
      at = token.rv;
      bucket = this.snapshotAt(
        def,
        at,
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      );
    } else {
      bucket = this.snapshotAt(def, at, `too old resource version: ${at} (${this.compactedRevision + 1})`);
    }
    const keys = [...bucket.keys()].filter((k) => k > start).sort();
    const items: KubeObject[] = [];
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Number.POSITIVE_INFINITY;
    let lastKey = '';
    let i = 0;
    for (; i < keys.length && items.length < limit; i++) {
      const stored = bucket.get(keys[i]!)!;
      if (this.matches(def, version, options, stored)) {
        items.push(this.present(def, version, stored));
        lastKey = keys[i]!;
      }
    }
    const result: ListResult = { items, resourceVersion: String(at) };
    if (i < keys.length && items.length >= limit) {
      let remaining = 0;
      for (let j = i; j < keys.length; j++) {
        if (this.matches(def, version, options, bucket.get(keys[j]!)!)) remaining++;
      }
      if (remaining > 0) {
        result.continue = encodeContinue({ rv: at, start: lastKey });
        result.remainingItemCount = remaining;
      }
    }
    return result;
  }

  // ---- writes --------------------------------------------------------------------------

  /**
   * The namespace must exist (404 otherwise, as the NamespaceLifecycle admission plugin answers);
   * returns true when it is missing and `autoCreateNamespaces` will create it on commit.
   */
  private checkNamespace(def: ResourceDef, namespace: string | undefined): boolean {
    if (!def.namespaced) return false;
    if (namespace === undefined || namespace === '') {
      throw badRequest('the server could not find the requested resource: a namespace is required');
    }
    const nsDef = this.registry.byKey(NAMESPACES)!;
    const ns = this.raw(nsDef, undefined, namespace);
    if (ns?.metadata.deletionTimestamp !== undefined) {
      throw new ApiError(
        403,
        'Forbidden',
        `${def.group === '' ? def.plural : `${def.plural}.${def.group}`} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          kind: def.plural,
          ...(def.group !== '' ? { group: def.group } : {}),
          causes: [
            {
              reason: 'NamespaceTerminating',
              message: `namespace ${namespace} is being terminated`,
              field: 'metadata.namespace',
            },
          ],
        },
      );
    }
    if (ns !== undefined) return false;
    if (!this.autoCreateNamespaces) throw notFound(nsDef, namespace);
    return true;
  }

  /** Prunes, defaults and validates a custom resource against its version's schema. */
  private applySchema(def: ResourceDef, version: string, obj: KubeObject, options: WriteOptions): void {
    const schema = def.schemas.get(version);
    if (schema === undefined) return;
    const pruned = prune(obj, schema);
    if (pruned.length > 0) {
      const fv = options.fieldValidation ?? 'Warn';
      if (fv === 'Strict') {
        throw badRequest(`strict decoding error: ${pruned.map((p) => `unknown field "${p}"`).join(', ')}`);
      }
      if (fv === 'Warn') options.warnings?.push(...pruned.map((p) => `unknown field "${p}"`));
    }
    applyDefaults(obj, schema);
    const errors = validateSchema(obj, schema);
    if (errors.length > 0) throw invalid(def.group, def.kind, obj.metadata.name ?? '', errors);
  }

  /** POST: names, uid, timestamps, generation, defaults and validation, then commit. */
  create(
    def: ResourceDef,
    version: string,
    namespace: string | undefined,
    body: KubeObject,
    options: WriteOptions = {},
  ): KubeObject {
    if (!isObject(body) || (body.metadata !== undefined && !isObject(body.metadata))) {
      throw badRequest('the object provided is not a valid Kubernetes object: metadata must be an object');
    }
    const obj = clone(body);
    obj.metadata ??= {};
    const meta = obj.metadata;
    if (def.namespaced) {
      if (
        meta.namespace !== undefined &&
        meta.namespace !== '' &&
        namespace !== undefined &&
        meta.namespace !== namespace
      ) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      if (namespace !== undefined) meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    if (
      (meta.name === undefined || meta.name === '') &&
      typeof meta.generateName === 'string' &&
      meta.generateName !== ''
    ) {
      do {
        let suffix = '';
        for (let i = 0; i < 5; i++)
          suffix += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
        meta.name = `${meta.generateName}${suffix}`;
      } while (this.raw(def, meta.namespace, meta.name) !== undefined);
    }
    if (typeof meta.name !== 'string' || meta.name === '') {
      throw invalid(def.group, def.kind, '', [
        {
          field: 'metadata.name',
          reason: 'FieldValueRequired',
          message: 'Required value: name or generateName is required',
        },
      ]);
    }
    validateName(def, meta.name);
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      throw new ApiError(500, 'InternalError', 'resourceVersion should not be set on objects to be created');
    }
    const createNamespace = this.checkNamespace(def, meta.namespace);
    if (this.raw(def, meta.namespace, meta.name) !== undefined) throw alreadyExists(def, meta.name);

    if (def.custom) obj.apiVersion = groupVersion(def.group, version);
    if (def.custom) this.applySchema(def, version, obj, options);
    if (def.statusSubresource && !def.keepStatusOnCreate) delete obj.status;
    const stored = this.fromClient(def, obj);
    const m = stored.metadata;
    m.uid = randomUUID();
    m.creationTimestamp = rfc3339();
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    if (def.trackGeneration) m.generation = 1;
    else delete m.generation;
    def.defaultOnCreate?.(stored);
    checkObjectMeta(def, stored);
    def.validate?.(stored);
    if (options.dryRun === true)
      return this.present(def, version, {
        ...stored,
        metadata: { ...m, resourceVersion: String(this.revision) },
      });
    if (createNamespace) {
      const nsDef = this.registry.byKey(NAMESPACES)!;
      this.create(nsDef, 'v1', undefined, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: meta.namespace! },
      });
    }
    this.commit(def, 'ADDED', stored, undefined);
    return this.present(def, version, stored);
  }

  /** PUT (main resource or `status`), also the final step of every patch. */
  update(
    def: ResourceDef,
    version: string,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    options: UpdateOptions = {},
  ): KubeObject {
    if (!isObject(body) || !isObject(body.metadata)) {
      throw badRequest('the object provided is not a valid Kubernetes object: metadata must be an object');
    }
    if (body.metadata.name !== undefined && body.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${String(body.metadata.name)}) does not match the name on the URL (${name})`,
      );
    }
    if (
      def.namespaced &&
      body.metadata.namespace !== undefined &&
      body.metadata.namespace !== '' &&
      body.metadata.namespace !== namespace
    ) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const old = this.raw(def, namespace, name);
    if (old === undefined) {
      if (
        options.createIfMissing === true ||
        (def.allowCreateOnUpdate && options.subresource === undefined)
      ) {
        const fresh = clone(body);
        fresh.metadata.name = name;
        delete fresh.metadata.resourceVersion;
        return this.create(def, version, namespace, fresh, options);
      }
      throw notFound(def, name);
    }
    const expected = options.expectedResourceVersion;
    if (expected !== undefined && expected !== '' && expected !== old.metadata.resourceVersion) {
      throw conflict(def, name, MODIFIED_CONFLICT);
    }
    const incoming = clone(body);
    if (def.custom) incoming.apiVersion = groupVersion(def.group, version);
    let next: KubeObject;
    if (options.subresource === 'status') {
      // Writes to /status change status only (customresource statusStrategy.PrepareForUpdate).
      next = clone(old);
      const status = def.storage !== undefined ? def.storage.toStorage(incoming).status : incoming.status;
      if (status === undefined) delete next.status;
      else next.status = status;
      if (def.timeFields !== undefined) normalizeTimes(next, def.timeFields);
      if (def.custom) {
        const presented = this.present(def, version, next);
        this.applySchema(def, version, presented, options);
        next.status = presented.status;
      }
    } else {
      if (def.custom) this.applySchema(def, version, incoming, options);
      next = this.fromClient(def, incoming);
      if (def.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = clone(old.status);
      }
    }
    const m = next.metadata;
    const om = old.metadata;
    m.name = name;
    for (const k of [
      'namespace',
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'resourceVersion',
    ]) {
      // Server-owned metadata cannot be changed by an update.
      if (om[k] === undefined) delete m[k];
      else m[k] = om[k];
    }
    if (def.trackGeneration) {
      const changed = !deepEqual(specPart(next), specPart(old));
      m.generation = (om.generation ?? 1) + (changed ? 1 : 0);
    } else if (om.generation !== undefined) {
      m.generation = om.generation;
    } else {
      delete m.generation;
    }
    if (
      storageKeyOf(def) === CRDS &&
      options.subresource === undefined &&
      !deepEqual(specPart(next), specPart(old))
    ) {
      next.status = {
        ...(isObject(old.status) ? old.status : {}),
        ...crdStatus(next as CustomResourceDefinition),
      };
    }
    checkObjectMeta(def, next);
    def.validate?.(next);
    // A write that changes nothing is not a change: no new resourceVersion, no watch event.
    if (deepEqual(next, old)) return this.present(def, version, old);
    if (options.dryRun === true) return this.present(def, version, next);
    if (m.deletionTimestamp !== undefined && (m.finalizers === undefined || m.finalizers.length === 0)) {
      // The last finalizer is gone: the object is deleted, its DELETED event shows the final state.
      return this.present(def, version, this.remove(def, old, next));
    }
    this.commit(def, 'MODIFIED', next, old);
    return this.present(def, version, next);
  }

  /** DELETE: preconditions, then finalizers (deletionTimestamp) or removal, cascades, GC. */
  delete(
    def: ResourceDef,
    version: string,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject {
    const old = this.raw(def, namespace, name);
    if (old === undefined) throw notFound(def, name);
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== old.metadata.uid) {
      throw conflict(
        def,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid ?? ''}`,
      );
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(
        def,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion ?? ''}`,
      );
    }
    if (options.dryRun === true) return this.present(def, version, old);
    if (storageKeyOf(def) === NAMESPACES) return this.present(def, version, this.terminate(def, old));
    const uid = old.metadata.uid;
    const hasDependents = uid !== undefined && this.liveDependents(uid).length > 0;
    if (options.propagationPolicy === 'Orphan' && hasDependents) this.orphan(uid);
    if (options.propagationPolicy === 'Foreground' && hasDependents) {
      return this.present(def, version, this.deleteInForeground(def, old));
    }
    if (old.metadata.finalizers !== undefined && old.metadata.finalizers.length > 0) {
      if (old.metadata.deletionTimestamp !== undefined) return this.present(def, version, old);
      const next = clone(old);
      next.metadata.deletionTimestamp = rfc3339();
      next.metadata.deletionGracePeriodSeconds = 0;
      this.commit(def, 'MODIFIED', next, old);
      return this.present(def, version, next);
    }
    const gone = this.remove(def, old);
    return this.present(def, version, gone);
  }

  /**
   * Removes an object now (`final` is its content in the DELETED event, `old` what is stored);
   * cascades to a namespace's contents, a CRD's objects and dependents.
   */
  private remove(def: ResourceDef, old: KubeObject, final: KubeObject = old): KubeObject {
    const key = storageKeyOf(def);
    const gone = clone(final);
    this.commit(def, 'DELETED', gone, old);
    if (old.metadata.uid !== undefined) this.foregroundOwners.delete(old.metadata.uid);
    for (const o of old.metadata.ownerReferences ?? []) {
      if (typeof o?.uid === 'string' && this.foregroundOwners.has(o.uid))
        setImmediate(() => this.finishForeground(o.uid));
    }
    if (def.namespaced && old.metadata.namespace !== undefined)
      this.scheduleNamespaceCleanup(old.metadata.namespace);
    if (key === CRDS) {
      const crd = old as CustomResourceDefinition;
      const served = this.registry.byKey(resourceKey(crd.spec.group, crd.spec.names.plural));
      if (served !== undefined) {
        for (const obj of [...this.bucket(served).values()]) this.remove(served, obj);
        this.registry.unregister(crd.spec.group, crd.spec.names.plural);
        for (const w of [...this.watchers]) {
          if (w.def === served) {
            this.watchers.delete(w);
            w.sink.close();
          }
        }
      }
    }
    const uid = old.metadata.uid;
    const deps = uid === undefined ? undefined : this.dependents.get(uid);
    if (deps !== undefined) this.scheduleGc(deps);
    return gone;
  }

  /**
   * DELETE of a Namespace, as the namespace controller does it: the Namespace turns Terminating
   * at once, its contents are deleted asynchronously (objects with finalizers wait for them), and
   * the Namespace goes when it is empty. A second DELETE while it terminates is a 409.
   */
  private terminate(def: ResourceDef, old: KubeObject): KubeObject {
    const name = old.metadata.name ?? '';
    if (old.metadata.deletionTimestamp !== undefined) {
      throw conflict(
        def,
        name,
        'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.',
      );
    }
    const next = clone(old);
    next.metadata.deletionTimestamp = rfc3339();
    next.metadata.deletionGracePeriodSeconds = 0;
    next.status = { ...(isObject(old.status) ? old.status : {}), phase: 'Terminating' };
    this.commit(def, 'MODIFIED', next, old);
    this.scheduleNamespaceCleanup(name);
    return next;
  }

  private scheduleNamespaceCleanup(namespace: string): void {
    const nsDef = this.registry.byKey(NAMESPACES)!;
    if (this.raw(nsDef, undefined, namespace)?.metadata.deletionTimestamp === undefined) return;
    setImmediate(() => this.cleanNamespace(namespace));
  }

  /** One pass of the namespace controller: delete what is left, then the Namespace once empty. */
  private cleanNamespace(namespace: string): void {
    const nsDef = this.registry.byKey(NAMESPACES)!;
    const ns = this.raw(nsDef, undefined, namespace);
    if (ns?.metadata.deletionTimestamp === undefined) return;
    let remaining = 0;
    for (const other of this.registry.all()) {
      if (!other.namespaced || other.storage !== undefined) continue;
      for (const obj of [...this.bucket(other).values()]) {
        if (obj.metadata.namespace !== namespace) continue;
        remaining++;
        if (obj.metadata.finalizers !== undefined && obj.metadata.finalizers.length > 0) {
          if (obj.metadata.deletionTimestamp === undefined) {
            const next = clone(obj);
            next.metadata.deletionTimestamp = rfc3339();
            next.metadata.deletionGracePeriodSeconds = 0;
            this.commit(other, 'MODIFIED', next, obj);
          }
        } else if (this.raw(other, namespace, obj.metadata.name ?? '') !== undefined) {
          // Removing the last object schedules another pass, which removes the Namespace.
          this.remove(other, obj);
        }
      }
    }
    if (remaining === 0) this.remove(nsDef, ns);
  }

  /** Queues the dependents of a deleted owner (or a new dependent) for a garbage-collection pass. */
  private scheduleGc(refs: Iterable<string>): void {
    if (!this.garbageCollection) return;
    for (const r of refs) this.gcPending.add(r);
    if (this.gcScheduled || this.gcPending.size === 0) return;
    this.gcScheduled = true;
    // Asynchronous, as the garbage collector controller is: the write that triggers it completes first.
    setImmediate(() => {
      this.gcScheduled = false;
      const refs = [...this.gcPending];
      this.gcPending.clear();
      for (const ref of refs) this.collect(ref);
    });
  }

  /** An owner counts as present when its uid lives in the dependent's namespace, or is cluster-scoped. */
  private ownerPresent(uid: string, dependentNamespace: string | undefined): boolean {
    const ns = this.uids.get(uid);
    return (
      ns !== undefined && (ns === '' || ns === (dependentNamespace ?? '')) && !this.foregroundOwners.has(uid)
    );
  }

  /** The stored objects that name `uid` in their ownerReferences. */
  private liveDependents(uid: string): Array<{ def: ResourceDef; obj: KubeObject }> {
    const out: Array<{ def: ResourceDef; obj: KubeObject }> = [];
    for (const ref of this.dependents.get(uid) ?? []) {
      const bar = ref.indexOf('|');
      const def = this.defForStorageKey(ref.slice(0, bar));
      const obj = def === undefined ? undefined : this.bucket(def).get(ref.slice(bar + 1));
      if (def !== undefined && obj !== undefined) out.push({ def, obj });
    }
    return out;
  }

  /** Orphan propagation: the dependents lose their ownerReference to `uid` and stay. */
  private orphan(uid: string): void {
    for (const { def, obj } of this.liveDependents(uid)) {
      const next = clone(obj);
      next.metadata.ownerReferences = (obj.metadata.ownerReferences ?? []).filter((o) => o.uid !== uid);
      if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
      this.commit(def, 'MODIFIED', next, obj);
    }
  }

  /**
   * Foreground propagation: the owner gets deletionTimestamp and the `foregroundDeletion`
   * finalizer, its dependents are collected, and it goes when the last of them has gone.
   */
  private deleteInForeground(def: ResourceDef, old: KubeObject): KubeObject {
    const uid = old.metadata.uid!;
    const next = clone(old);
    next.metadata.deletionTimestamp ??= rfc3339();
    next.metadata.deletionGracePeriodSeconds = 0;
    const finalizers = next.metadata.finalizers ?? [];
    if (!finalizers.includes('foregroundDeletion'))
      next.metadata.finalizers = [...finalizers, 'foregroundDeletion'];
    this.commit(def, 'MODIFIED', next, old);
    this.foregroundOwners.add(uid);
    this.scheduleGc(this.dependents.get(uid) ?? []);
    return next;
  }

  /** Releases a foreground owner whose dependents are all gone. */
  private finishForeground(uid: string): void {
    if (!this.foregroundOwners.has(uid) || this.liveDependents(uid).length > 0) return;
    this.foregroundOwners.delete(uid);
    const ref = this.byUid.get(uid);
    if (ref === undefined) return;
    const bar = ref.indexOf('|');
    const def = this.defForStorageKey(ref.slice(0, bar));
    const obj = def === undefined ? undefined : this.bucket(def).get(ref.slice(bar + 1));
    if (def === undefined || obj === undefined) return;
    const next = clone(obj);
    next.metadata.finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== 'foregroundDeletion');
    if (next.metadata.finalizers.length === 0) {
      delete next.metadata.finalizers;
      this.remove(def, obj, next);
    } else {
      this.commit(def, 'MODIFIED', next, obj);
    }
  }

  /** Background-propagation garbage collection of one object: deleted when all its owners are absent. */
  private collect(ref: string): void {
    const bar = ref.indexOf('|');
    const def = this.defForStorageKey(ref.slice(0, bar));
    const obj = def === undefined ? undefined : this.bucket(def).get(ref.slice(bar + 1));
    if (def === undefined || obj === undefined) return;
    const owners = obj.metadata.ownerReferences ?? [];
    if (owners.length === 0 || owners.some((o) => this.ownerPresent(o.uid, obj.metadata.namespace))) return;
    if (obj.metadata.finalizers !== undefined && obj.metadata.finalizers.length > 0) {
      if (obj.metadata.deletionTimestamp === undefined) {
        const next = clone(obj);
        next.metadata.deletionTimestamp = rfc3339();
        next.metadata.deletionGracePeriodSeconds = 0;
        this.commit(def, 'MODIFIED', next, obj);
      }
      return;
    }
    this.remove(def, obj);
  }

  private defForStorageKey(key: string): ResourceDef | undefined {
    return this.registry.all().find((d) => d.storage === undefined && resourceKey(d.group, d.plural) === key);
  }

  deleteCollection(
    def: ResourceDef,
    version: string,
    selection: Selection,
    options: DeleteOptions = {},
  ): KubeObject[] {
    const out: KubeObject[] = [];
    for (const obj of this.list(def, version, selection).items) {
      out.push(this.delete(def, version, obj.metadata.namespace, obj.metadata.name ?? '', options));
    }
    return out;
  }

  private indexOwners(key: string, obj: KubeObject | undefined, present: boolean): void {
    if (obj === undefined) return;
    const ref = `${key}|${objectKey(obj.metadata.namespace, obj.metadata.name ?? '')}`;
    for (const o of obj.metadata.ownerReferences ?? []) {
      if (typeof o?.uid !== 'string') continue;
      let set = this.dependents.get(o.uid);
      if (present) {
        if (set === undefined) {
          set = new Set();
          this.dependents.set(o.uid, set);
        }
        set.add(ref);
      } else {
        set?.delete(ref);
      }
    }
  }

  /** Assigns the next revision, stores, records history and fans out to watchers. */
  private commit(
    def: ResourceDef,
    type: HistoryEvent['type'],
    obj: KubeObject,
    old: KubeObject | undefined,
  ): void {
    const key = storageKeyOf(def);
    this.revision++;
    obj.metadata.resourceVersion = String(this.revision);
    const bucket = this.bucket(def);
    const oKey = objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
    this.indexOwners(key, old, false);
    if (type === 'DELETED') {
      bucket.delete(oKey);
      if (obj.metadata.uid !== undefined) {
        this.uids.delete(obj.metadata.uid);
        this.byUid.delete(obj.metadata.uid);
      }
    } else {
      bucket.set(oKey, obj);
      if (obj.metadata.uid !== undefined) {
        this.uids.set(obj.metadata.uid, obj.metadata.namespace ?? '');
        this.byUid.set(obj.metadata.uid, `${key}|${oKey}`);
      }
      this.indexOwners(key, obj, true);
      if ((obj.metadata.ownerReferences?.length ?? 0) > 0) {
        this.scheduleGc([`${key}|${oKey}`]);
      }
    }
    const event: HistoryEvent = { rv: this.revision, type, storageKey: key, object: obj, old };
    this.history.push(event);
    while (this.history.length > this.historyLimit) {
      this.compactedRevision = this.history.shift()!.rv;
    }
    if (key === CRDS && type !== 'DELETED')
      this.registry.register(crdToResource(obj as CustomResourceDefinition));
    for (const w of [...this.watchers]) this.deliver(w, event);
  }

  // ---- watch ---------------------------------------------------------------------------

  /** Delivers one change to one watcher, as the watch cache does with selectors. */
  private deliver(w: Watcher, ev: HistoryEvent): void {
    if (storageKeyOf(w.def) !== ev.storageKey) return;
    const nowMatches = this.matches(w.def, w.version, w.selection, ev.object);
    const oldMatches =
      ev.old !== undefined && ev.type !== 'ADDED' && this.matches(w.def, w.version, w.selection, ev.old);
    if (ev.type === 'ADDED') {
      if (nowMatches) w.sink.send('ADDED', this.present(w.def, w.version, ev.object));
    } else if (ev.type === 'DELETED') {
      if (nowMatches || oldMatches) w.sink.send('DELETED', this.present(w.def, w.version, ev.object));
    } else if (nowMatches && oldMatches) {
      w.sink.send('MODIFIED', this.present(w.def, w.version, ev.object));
    } else if (nowMatches) {
      w.sink.send('ADDED', this.present(w.def, w.version, ev.object));
    } else if (oldMatches) {
      // Left the selection: a DELETED with the previous content at the new resourceVersion.
      const prev = this.present(w.def, w.version, ev.old!);
      prev.metadata = { ...prev.metadata, resourceVersion: String(ev.rv) };
      w.sink.send('DELETED', prev);
    }
  }

  /**
   * Starts a watch. resourceVersion unset or "0": synthetic ADDED for the current state, then
   * changes; "N": every change after N (410 Gone, thrown, when N is older than the history).
   * Returns the function that stops it.
   */
  watch(def: ResourceDef, version: string, options: WatchOptions, sink: WatchSink): () => void {
    checkSelectableFields(
      def,
      version,
      (options.fieldSelector ?? []).map((r) => r.path),
    );
    const rvParam = options.resourceVersion ?? '';
    const w: Watcher = { def, version, selection: options, sink };
    if (rvParam === '' || rvParam === '0' || options.sendInitialEvents === true) {
      for (const obj of this.list(def, version, options).items) sink.send('ADDED', obj);
      if (options.sendInitialEvents === true && options.allowWatchBookmarks === true) {
        sink.send('BOOKMARK', {
          apiVersion: groupVersion(def.group, version),
          kind: def.kind,
          metadata: {
            resourceVersion: String(this.revision),
            annotations: { 'k8s.io/initial-events-end': 'true' },
          },
        });
      }
    } else {
      const from = parseResourceVersion(rvParam);
      this.checkNotTooLarge(from);
      if (from < this.compactedRevision) throw expired(from, this.compactedRevision + 1);
      for (const ev of this.history) if (ev.rv > from) this.deliver(w, ev);
    }
    this.watchers.add(w);
    return () => {
      this.watchers.delete(w);
    };
  }

  /** How many watches are open (tests use it to wait for informers to connect). */
  get watchCount(): number {
    return this.watchers.size;
  }

  /** Every stored object of a resource, as stored (for the in-process helpers). */
  allOf(def: ResourceDef): KubeObject[] {
    return [...this.bucket(def).values()];
  }
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'bgplb.test/v1', rv: t.rv, start: t.start })).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof t.rv === 'number' && typeof t.start === 'string') return { rv: t.rv, start: t.start };
  } catch {
    // fall through to the error
  }
  throw badRequest(`continue key is not valid: ${s}`);
}
