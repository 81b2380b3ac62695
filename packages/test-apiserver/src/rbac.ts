import type { UserInfo } from './auth.js';
import type { Registry } from './registry.js';
import { ApiError } from './status.js';
import type { Store } from './store.js';
import type { KubeObject } from './types.js';

/** What RBAC decides on: the request's verb, and the resource it names. */
export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string | undefined;
  namespace?: string | undefined;
  name?: string | undefined;
}

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

const has = (list: string[] | undefined, v: string): boolean =>
  (list ?? []).some((x) => x === '*' || x === v);

/** rbac/v1 ResourceMatches: `*`, `resource`, `resource/subresource` or `*\/subresource`. */
function resourceMatches(rule: PolicyRule, a: ResourceAttributes): boolean {
  const combined = a.subresource === undefined ? a.resource : `${a.resource}/${a.subresource}`;
  return (rule.resources ?? []).some(
    (r) => r === '*' || r === combined || (a.subresource !== undefined && r === `*/${a.subresource}`),
  );
}

function ruleAllows(rule: PolicyRule, a: ResourceAttributes): boolean {
  if (!has(rule.verbs, a.verb) || !has(rule.apiGroups, a.group) || !resourceMatches(rule, a)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  if (s.kind === 'User') return s.name === user.username;
  if (s.kind === 'Group') return s.name !== undefined && user.groups.includes(s.name);
  if (s.kind === 'ServiceAccount') {
    const ns = s.namespace ?? bindingNamespace;
    return user.username === `system:serviceaccount:${ns}:${s.name}`;
  }
  return false;
}

/**
 * The RBAC authorizer over the Roles, ClusterRoles, RoleBindings and ClusterRoleBindings stored in
 * the server. `system:masters` may do everything; aggregated ClusterRoles are not expanded.
 */
export class RbacAuthorizer {
  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
  ) {}

  private all(plural: string): KubeObject[] {
    const def = this.registry.find('rbac.authorization.k8s.io', 'v1', plural);
    return def === undefined ? [] : this.store.allOf(def);
  }

  private rulesOf(
    kind: string | undefined,
    name: string | undefined,
    namespace: string | undefined,
  ): PolicyRule[] {
    const role =
      kind === 'ClusterRole'
        ? this.all('clusterroles').find((r) => r.metadata.name === name)
        : this.all('roles').find((r) => r.metadata.name === name && r.metadata.namespace === namespace);
    return Array.isArray(role?.rules) ? (role.rules as PolicyRule[]) : [];
  }

  /** Every rule that applies to `user` in `namespace` (cluster-wide ones included). */
  rulesFor(user: UserInfo, namespace: string | undefined): PolicyRule[] {
    if (user.groups.includes('system:masters')) return [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }];
    const bindings: Array<{ binding: KubeObject; namespace: string | undefined }> = [
      ...this.all('clusterrolebindings').map((binding) => ({ binding, namespace: undefined })),
      ...this.all('rolebindings')
        .filter((b) => namespace !== undefined && b.metadata.namespace === namespace)
        .map((binding) => ({ binding, namespace: binding.metadata.namespace })),
    ];
    const rules: PolicyRule[] = [];
    for (const { binding, namespace: ns } of bindings) {
      const subjects = Array.isArray(binding.subjects) ? (binding.subjects as Subject[]) : [];
      if (!subjects.some((s) => subjectMatches(s, user, ns))) continue;
      const ref = (binding.roleRef ?? {}) as { kind?: string; name?: string };
      rules.push(...this.rulesOf(ref.kind, ref.name, ns));
    }
    return rules;
  }

  allows(user: UserInfo, a: ResourceAttributes): boolean {
    return this.rulesFor(user, a.namespace).some((r) => ruleAllows(r, a));
  }

  /** Throws kube-apiserver's 403 Forbidden when RBAC does not allow the request. */
  authorize(user: UserInfo, a: ResourceAttributes): void {
    if (this.allows(user, a)) return;
    const qualified = a.group === '' ? a.resource : `${a.resource}.${a.group}`;
    const resource = a.subresource === undefined ? a.resource : `${a.resource}/${a.subresource}`;
    const scope = a.namespace === undefined ? 'at the cluster scope' : `in the namespace "${a.namespace}"`;
    const subject = a.name === undefined ? qualified : `${qualified} "${a.name}"`;
    throw new ApiError(
      403,
      'Forbidden',
      `${subject} is forbidden: User "${user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}`,
      {
        ...(a.name !== undefined ? { name: a.name } : {}),
        ...(a.group !== '' ? { group: a.group } : {}),
        kind: a.resource,
      },
    );
  }
}
