import { randomBytes } from 'node:crypto';
import { ApiError } from './status.js';

/** Who is making a request, as kube-apiserver's authenticators report it. */
export interface UserInfo {
  username: string;
  groups: string[];
}

/** Requests without a token: a cluster administrator, so tests need no credentials by default. */
export const ADMIN: UserInfo = {
  username: 'system:admin',
  groups: ['system:masters', 'system:authenticated'],
};

export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

/**
 * Bearer tokens issued by the test server. A request without an Authorization header is the
 * administrator; an unknown token is a 401, as with kube-apiserver's token authenticator.
 */
export class Authenticator {
  private readonly tokens = new Map<string, UserInfo>();

  issue(user: UserInfo): string {
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { username: user.username, groups: [...user.groups] });
    return token;
  }

  authenticate(header: string | undefined): UserInfo {
    if (header === undefined || header === '') return ADMIN;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const user = m === null ? undefined : this.tokens.get(m[1]!);
    if (user === undefined) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    return user;
  }
}
