import { isIP } from 'node:net';
import type { FieldError } from './schema.js';
import { invalid } from './status.js';
import type { KubeObject } from './types.js';

/**
 * The parts of kube-apiserver's Service validation (pkg/apis/core/validation) that bgplb's
 * controller can get wrong: the type and traffic-policy enums, ports, and the load-balancer
 * status it writes (`status.loadBalancer.ingress[].ip` must be an IP address).
 */
type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

function unsupported(field: string, value: unknown, allowed: string[]): FieldError {
  return {
    field,
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`,
  };
}

export function validateService(svc: KubeObject): void {
  const errors: FieldError[] = [];
  const spec = o(svc.spec);
  const type = spec.type ?? 'ClusterIP';
  const types = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
  if (!types.includes(String(type))) errors.push(unsupported('spec.type', type, types));
  const ports = Array.isArray(spec.ports) ? spec.ports.map(o) : [];
  if (ports.length === 0 && type !== 'ExternalName' && spec.clusterIP !== 'None') {
    errors.push({ field: 'spec.ports', reason: 'FieldValueRequired', message: 'Required value' });
  }
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const at = `spec.ports[${i}]`;
    if (!Number.isInteger(p.port) || (p.port as number) < 1 || (p.port as number) > 65535) {
      errors.push({
        field: `${at}.port`,
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(p.port)}: must be between 1 and 65535, inclusive`,
      });
    }
    if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(String(p.protocol))) {
      errors.push(unsupported(`${at}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
    }
    const key = `${String(p.port)}/${String(p.protocol ?? 'TCP')}`;
    if (seen.has(key))
      errors.push({
        field: at,
        reason: 'FieldValueDuplicate',
        message: `Duplicate value: ${JSON.stringify({ port: p.port, protocol: p.protocol ?? 'TCP' })}`,
      });
    seen.add(key);
    if (ports.length > 1 && (p.name === undefined || p.name === '')) {
      errors.push({ field: `${at}.name`, reason: 'FieldValueRequired', message: 'Required value' });
    }
  });
  const etp = spec.externalTrafficPolicy;
  if (etp !== undefined && etp !== '') {
    if (type !== 'LoadBalancer' && type !== 'NodePort') {
      errors.push({
        field: 'spec.externalTrafficPolicy',
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${String(etp)}": may only be set for externally-accessible services`,
      });
    } else if (etp !== 'Cluster' && etp !== 'Local') {
      errors.push(unsupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
    }
  }
  const ingress = o(o(svc.status).loadBalancer).ingress;
  if (ingress !== undefined) {
    (Array.isArray(ingress) ? ingress.map(o) : []).forEach((ing, i) => {
      const at = `status.loadBalancer.ingress[${i}]`;
      if (ing.ip !== undefined && (typeof ing.ip !== 'string' || isIP(ing.ip) === 0)) {
        errors.push({
          field: `${at}.ip`,
          reason: 'FieldValueInvalid',
          message: `Invalid value: ${JSON.stringify(ing.ip)}: must be a valid IP address`,
        });
      }
      if (ing.ipMode !== undefined && ing.ip === undefined) {
        errors.push({
          field: `${at}.ipMode`,
          reason: 'FieldValueForbidden',
          message: 'Forbidden: may not be specified when `ip` is not set',
        });
      }
    });
  }
  if (errors.length > 0) throw invalid('', 'Service', svc.metadata.name ?? '', errors);
}
