import { groupVersion, type ResourceDef, resourceKey } from './resources.js';
import { sortKubeVersions } from './versions.js';

/** The resources currently served, indexed for URL routing and for kind lookups. */
export class Registry {
  private readonly defs = new Map<string, ResourceDef>();

  register(def: ResourceDef): void {
    this.defs.set(resourceKey(def.group, def.plural), def);
  }

  unregister(group: string, plural: string): ResourceDef | undefined {
    const key = resourceKey(group, plural);
    const def = this.defs.get(key);
    this.defs.delete(key);
    return def;
  }

  all(): ResourceDef[] {
    return [...this.defs.values()];
  }

  byKey(key: string): ResourceDef | undefined {
    return this.defs.get(key);
  }

  /** The resource served at /apis/<group>/<version>/<plural>, if any. */
  find(group: string, version: string, plural: string): ResourceDef | undefined {
    const def = this.defs.get(resourceKey(group, plural));
    return def?.versions.includes(version) ? def : undefined;
  }

  /** The resource for an object's apiVersion and kind (used by the in-process helpers). */
  findByKind(apiVersion: string, kind: string): { def: ResourceDef; version: string } | undefined {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    for (const def of this.defs.values()) {
      if (def.group === group && def.kind === kind && def.versions.includes(version)) return { def, version };
    }
    return undefined;
  }

  /** Groups with their served versions, preferred version first; the core group is ''. */
  groups(): Map<string, string[]> {
    const out = new Map<string, Set<string>>();
    const preferred = new Map<string, string>();
    for (const def of this.defs.values()) {
      const set = out.get(def.group) ?? new Set<string>();
      for (const v of def.versions) set.add(v);
      out.set(def.group, set);
      if (!preferred.has(def.group)) preferred.set(def.group, def.versions[0]!);
    }
    const result = new Map<string, string[]>();
    for (const [group, set] of [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      result.set(group, sortKubeVersions([...set]));
    }
    return result;
  }

  inGroupVersion(group: string, version: string): ResourceDef[] {
    return [...this.defs.values()]
      .filter((d) => d.group === group && d.versions.includes(version))
      .sort((a, b) => (a.plural < b.plural ? -1 : 1));
  }

  apiVersionOf(def: ResourceDef, version: string): string {
    return groupVersion(def.group, version);
  }
}
