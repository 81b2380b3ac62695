import type { IncomingMessage } from 'node:http';
import type { UserInfo } from './auth.js';
import type { PolicyRule, ResourceAttributes } from './rbac.js';
import { ApiError } from './status.js';

/**
 * User impersonation (`kubectl --as=... --as-group=...`): the `Impersonate-User` and
 * `Impersonate-Group` headers replace the identity. Only `system:masters` may impersonate here
 * (kube-apiserver checks the `impersonate` verb).
 */
export function impersonate(user: UserInfo, req: IncomingMessage): UserInfo {
  const as = req.headers['impersonate-user'];
  if (as === undefined || as === '') return user;
  if (!user.groups.includes('system:masters')) {
    throw new ApiError(
      403,
      'Forbidden',
      `users "${String(as)}" is forbidden: User "${user.username}" cannot impersonate resource "users" in API group "" at the cluster scope`,
    );
  }
  const raw = req.headers['impersonate-group'];
  const groups = raw === undefined ? [] : (Array.isArray(raw) ? raw : raw.split(',')).map((g) => g.trim());
  const username = String(as);
  const sa = /^system:serviceaccount:([^:]+):/.exec(username);
  const implied = sa === null ? [] : ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`];
  return { username, groups: [...new Set([...groups, ...implied, 'system:authenticated'])] };
}

/** authorization.k8s.io/v1 SelfSubjectAccessReview, which `kubectl auth can-i` posts. */
export function selfSubjectAccessReview(
  review: Record<string, unknown> | undefined,
  allows: (a: ResourceAttributes) => boolean,
): Record<string, unknown> {
  const spec = (review?.spec ?? {}) as {
    resourceAttributes?: Record<string, string>;
    nonResourceAttributes?: Record<string, string>;
  };
  const ra = spec.resourceAttributes;
  let allowed: boolean;
  if (ra !== undefined) {
    allowed = allows({
      verb: ra.verb ?? '',
      group: ra.group ?? '',
      resource: ra.resource ?? '',
      subresource: ra.subresource === '' ? undefined : ra.subresource,
      namespace: ra.namespace === '' ? undefined : ra.namespace,
      name: ra.name === '' ? undefined : ra.name,
    });
  } else {
    // Discovery and health endpoints are open to every authenticated user (system:discovery).
    allowed = true;
  }
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: {},
    spec,
    status: { allowed },
  };
}

/**
 * authorization.k8s.io/v1 SelfSubjectRulesReview (`kubectl auth can-i --list`): the rules that
 * apply to the caller in `spec.namespace`. Discovery is listed as the non-resource rule everyone has.
 */
export function selfSubjectRulesReview(
  review: Record<string, unknown> | undefined,
  rules: PolicyRule[],
): Record<string, unknown> {
  const spec = (review?.spec ?? {}) as { namespace?: string };
  return {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: {},
    spec,
    status: {
      resourceRules: rules.map((r) => ({
        verbs: r.verbs ?? [],
        apiGroups: r.apiGroups ?? [],
        resources: r.resources ?? [],
        ...(r.resourceNames !== undefined && r.resourceNames.length > 0
          ? { resourceNames: r.resourceNames }
          : {}),
      })),
      nonResourceRules: [
        {
          verbs: ['get'],
          nonResourceURLs: [
            '/api',
            '/api/*',
            '/apis',
            '/apis/*',
            '/healthz',
            '/livez',
            '/openapi',
            '/openapi/*',
            '/readyz',
            '/version',
            '/version/',
          ],
        },
      ],
      incomplete: false,
    },
  };
}
