/**
 * The user cluster's credentials: the kubeconfig in a Secret of the admin cluster (cluster-api's
 * `<cluster>-kubeconfig`, key `value`). Every way it can be wrong has its own message, so the
 * Cluster's status says which: missing Secret, missing key, undecodable content, no usable
 * context, and (at connection time) a certificate the kubeconfig's CA does not vouch for.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../types.js';
import { KUBECONFIG_SECRET_KEY } from './names.js';

export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

interface SecretLike extends KubeObject {
  data?: Record<string, string>;
}

/** The KubeConfig in `secret` (undefined: the Secret does not exist). Throws CredentialsError. */
export function kubeConfigFromSecret(
  secret: KubeObject | undefined,
  ref: { namespace: string; secretName: string },
): KubeConfig {
  const where = `Secret ${ref.namespace}/${ref.secretName}`;
  if (secret === undefined)
    throw new CredentialsError(
      `${where} not found (it holds the user cluster's kubeconfig under "${KUBECONFIG_SECRET_KEY}")`,
    );
  const encoded = (secret as SecretLike).data?.[KUBECONFIG_SECRET_KEY];
  if (encoded === undefined || encoded === '')
    throw new CredentialsError(
      `${where} has no "${KUBECONFIG_SECRET_KEY}" key (keys: ${Object.keys((secret as SecretLike).data ?? {}).join(', ') || 'none'})`,
    );
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded.replace(/\s/g, '')))
    throw new CredentialsError(`${where}: "${KUBECONFIG_SECRET_KEY}" is not base64`);
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (err) {
    throw new CredentialsError(
      `${where}: "${KUBECONFIG_SECRET_KEY}" is not a kubeconfig: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const cluster = kc.getCurrentCluster();
  if (cluster === null)
    throw new CredentialsError(
      `${where}: the kubeconfig has no current cluster (current-context "${kc.getCurrentContext() || 'unset'}")`,
    );
  if (!/^https?:\/\//.test(cluster.server))
    throw new CredentialsError(`${where}: the kubeconfig's server "${cluster.server}" is not an http(s) URL`);
  return kc;
}

/** TLS errors of Node that mean "this server's certificate is not what the kubeconfig trusts". */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Classifies an error talking to the user cluster: credentials the user cluster refuses or a
 * certificate it does not vouch for are `CredentialsInvalid` (fix the Secret); anything else is
 * `UserClusterUnreachable` (retry).
 */
export function classifyUserClusterError(err: unknown): {
  reason: 'CredentialsInvalid' | 'UserClusterUnreachable';
  message: string;
} {
  const e = err as { code?: unknown; status?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code =
    typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (err instanceof CredentialsError) return { reason: 'CredentialsInvalid', message };
  if (code !== undefined && CERTIFICATE_CODES.has(code))
    return {
      reason: 'CredentialsInvalid',
      message: `the user cluster's certificate is not trusted by the kubeconfig's certificate-authority-data (wrong CA?): ${code}`,
    };
  if (e.status === 401)
    return {
      reason: 'CredentialsInvalid',
      message: `the user cluster refused the kubeconfig's credentials (401): ${message}`,
    };
  if (e.status === 403)
    return {
      reason: 'CredentialsInvalid',
      message: `the kubeconfig's user may not do this in the user cluster (403): ${message}`,
    };
  return { reason: 'UserClusterUnreachable', message };
}
