import { clone } from './deep.js';
import { parseFieldSelector } from './fields.js';
import { parseLabelSelector } from './labels.js';
import type { Registry } from './registry.js';
import type { ResourceDef } from './resources.js';
import { badRequest } from './status.js';
import type { Store } from './store.js';
import type { KubeObject } from './types.js';

export interface ListFilter {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * In-process access to the server's objects for tests: the same semantics (resourceVersions,
 * watch events, validation, 404/409 as thrown ApiErrors) as the REST API, without HTTP.
 * Objects are addressed by apiVersion and kind, as in manifests.
 */
export class ObjectStore {
  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
  ) {}

  private resolve(
    apiVersion: string | undefined,
    kind: string | undefined,
  ): { def: ResourceDef; version: string } {
    const found =
      apiVersion !== undefined && kind !== undefined ? this.registry.findByKind(apiVersion, kind) : undefined;
    if (found === undefined)
      throw badRequest(`no resource is served for apiVersion ${String(apiVersion)} kind ${String(kind)}`);
    return found;
  }

  /** The current global resourceVersion. */
  get resourceVersion(): number {
    return this.store.resourceVersion;
  }

  /** Number of open watches (informers connected). */
  get watchCount(): number {
    return this.store.watchCount;
  }

  get(apiVersion: string, kind: string, name: string, namespace?: string): KubeObject | undefined {
    const { def, version } = this.resolve(apiVersion, kind);
    const obj = this.store.tryGet(def, version, namespace, name);
    return obj === undefined ? undefined : clone(obj);
  }

  list(apiVersion: string, kind: string, filter: ListFilter = {}): KubeObject[] {
    const { def, version } = this.resolve(apiVersion, kind);
    return this.store
      .list(def, version, {
        namespace: filter.namespace,
        labelSelector: parseLabelSelector(filter.labelSelector),
        fieldSelector: parseFieldSelector(filter.fieldSelector),
      })
      .items.map(clone);
  }

  /** POST semantics: 409 AlreadyExists (thrown) when it exists. */
  create(obj: KubeObject): KubeObject {
    const { def, version } = this.resolve(obj.apiVersion, obj.kind);
    return clone(this.store.create(def, version, obj.metadata?.namespace, obj));
  }

  /** PUT semantics, with the resourceVersion precondition when the object carries one. */
  update(obj: KubeObject): KubeObject {
    const { def, version } = this.resolve(obj.apiVersion, obj.kind);
    return clone(
      this.store.update(def, version, obj.metadata.namespace, obj.metadata.name ?? '', obj, {
        expectedResourceVersion: obj.metadata.resourceVersion,
      }),
    );
  }

  /** PUT to the status subresource (or the whole object when the kind has none). */
  updateStatus(obj: KubeObject): KubeObject {
    const { def, version } = this.resolve(obj.apiVersion, obj.kind);
    return clone(
      this.store.update(def, version, obj.metadata.namespace, obj.metadata.name ?? '', obj, {
        subresource: def.statusSubresource ? 'status' : undefined,
        expectedResourceVersion: obj.metadata.resourceVersion,
      }),
    );
  }

  /**
   * Creates the object, or replaces it unconditionally; its `status`, when given, is written too
   * (through the status subresource). Returns the stored object.
   */
  upsert(obj: KubeObject): KubeObject {
    const { def, version } = this.resolve(obj.apiVersion, obj.kind);
    const ns = obj.metadata.namespace;
    const name = obj.metadata.name ?? '';
    const body = { ...obj, metadata: { ...obj.metadata } };
    delete body.metadata.resourceVersion;
    let out =
      this.store.tryGet(def, version, ns, name) === undefined
        ? this.store.create(def, version, ns, body)
        : this.store.update(def, version, ns, name, body);
    if (def.statusSubresource && obj.status !== undefined) {
      out = this.store.update(
        def,
        version,
        ns,
        name,
        { ...out, status: obj.status },
        { subresource: 'status' },
      );
    }
    return out;
  }

  /** DELETE semantics; returns false when it did not exist. */
  delete(apiVersion: string, kind: string, name: string, namespace?: string): boolean {
    const { def, version } = this.resolve(apiVersion, kind);
    if (this.store.tryGet(def, version, namespace, name) === undefined) return false;
    this.store.delete(def, version, namespace, name);
    return true;
  }

  /** Forgets the watch history, so every watch resuming from an older resourceVersion gets 410 Gone. */
  compact(): void {
    this.store.compact();
  }
}
