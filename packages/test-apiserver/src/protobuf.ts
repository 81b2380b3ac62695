import { unsupportedMediaType } from './status.js';
import type { KubeObject } from './types.js';

/**
 * Just enough of Kubernetes' protobuf encoding to accept what kubectl's generators send:
 * `kubectl create namespace X`, `kubectl create service <type> X --tcp=...` and
 * `kubectl auth can-i` (a SelfSubjectAccessReview) post
 * `application/vnd.kubernetes.protobuf` bodies. The envelope is the 4 magic bytes `k8s\0` and a
 * runtime.Unknown message; the payload is decoded with the field numbers of
 * k8s.io/api/{core,authorization}/v1/generated.proto. Other kinds are refused (415).
 */

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { num: number; wire: number; value: bigint | Buffer };

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 63n) throw new Error('varint too long');
  }
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const num = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, p2] = readVarint(buf, pos);
      pos = p2;
      out.push({ num, wire, value: v });
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      const end = p2 + Number(len);
      if (end > buf.length) throw new Error('truncated field');
      out.push({ num, wire, value: buf.subarray(p2, end) });
      pos = end;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

const str = (f: Field): string => (f.value as Buffer).toString('utf8');
const int = (f: Field): number => Number(BigInt.asIntN(64, f.value as bigint));
const msg = (f: Field): Field[] => fields(f.value as Buffer);

function map(entries: Field[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    let k = '';
    let v = '';
    for (const f of msg(e)) {
      if (f.num === 1) k = str(f);
      if (f.num === 2) v = str(f);
    }
    out[k] = v;
  }
  return out;
}

/** Sets `key` from a string field, leaving empty strings out (JSON `omitempty`). */
function putStr(obj: Record<string, unknown>, key: string, f: Field): void {
  const s = str(f);
  if (s !== '') obj[key] = s;
}

function objectMeta(fs: Field[]): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  const labels = fs.filter((f) => f.num === 11);
  const annotations = fs.filter((f) => f.num === 12);
  const finalizers = fs.filter((f) => f.num === 14).map(str);
  for (const f of fs) {
    if (f.num === 1) putStr(m, 'name', f);
    else if (f.num === 2) putStr(m, 'generateName', f);
    else if (f.num === 3) putStr(m, 'namespace', f);
  }
  if (labels.length > 0) m.labels = map(labels);
  if (annotations.length > 0) m.annotations = map(annotations);
  if (finalizers.length > 0) m.finalizers = finalizers;
  return m;
}

function intOrString(fs: Field[]): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  for (const f of fs) {
    if (f.num === 1) type = int(f);
    if (f.num === 2) intVal = int(f);
    if (f.num === 3) strVal = str(f);
  }
  return type === 1 ? strVal : intVal;
}

function servicePort(fs: Field[]): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  for (const f of fs) {
    if (f.num === 1) putStr(p, 'name', f);
    else if (f.num === 2) putStr(p, 'protocol', f);
    else if (f.num === 6) putStr(p, 'appProtocol', f);
    else if (f.num === 3) p.port = int(f);
    else if (f.num === 4) p.targetPort = intOrString(msg(f));
    else if (f.num === 5 && int(f) !== 0) p.nodePort = int(f);
  }
  return p;
}

const SERVICE_STRINGS: Record<number, string> = {
  3: 'clusterIP',
  4: 'type',
  7: 'sessionAffinity',
  8: 'loadBalancerIP',
  10: 'externalName',
  11: 'externalTrafficPolicy',
  17: 'ipFamilyPolicy',
  21: 'loadBalancerClass',
  22: 'internalTrafficPolicy',
  23: 'trafficDistribution',
};
const SERVICE_LISTS: Record<number, string> = {
  5: 'externalIPs',
  9: 'loadBalancerSourceRanges',
  18: 'clusterIPs',
  19: 'ipFamilies',
};

function serviceSpec(fs: Field[]): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  const ports = fs.filter((f) => f.num === 1).map((f) => servicePort(msg(f)));
  if (ports.length > 0) s.ports = ports;
  const selector = fs.filter((f) => f.num === 2);
  if (selector.length > 0) s.selector = map(selector);
  for (const f of fs) {
    const name = SERVICE_STRINGS[f.num];
    if (name !== undefined) putStr(s, name, f);
    const list = SERVICE_LISTS[f.num];
    if (list !== undefined) s[list] = [...((s[list] as string[] | undefined) ?? []), str(f)];
    if (f.num === 12 && int(f) !== 0) s.healthCheckNodePort = int(f);
    if (f.num === 13 && int(f) !== 0) s.publishNotReadyAddresses = true;
    if (f.num === 20) s.allocateLoadBalancerNodePorts = int(f) !== 0;
  }
  return s;
}

/** Strings of a message by field number, e.g. ResourceAttributes {namespace=1, verb=2, group=3, ...}. */
function strings(fs: Field[], names: Record<number, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs) {
    const name = names[f.num];
    if (name !== undefined && f.wire === 2) out[name] = str(f);
  }
  return out;
}

/** authorization/v1 SelfSubjectAccessReview, which `kubectl auth can-i` posts. */
function selfSubjectAccessReview(raw: Buffer): KubeObject {
  const spec: Record<string, unknown> = {};
  for (const f of fields(raw)) {
    if (f.num !== 2) continue;
    for (const g of msg(f)) {
      if (g.num === 1) {
        spec.resourceAttributes = strings(msg(g), {
          1: 'namespace',
          2: 'verb',
          3: 'group',
          4: 'version',
          5: 'resource',
          6: 'subresource',
          7: 'name',
        });
      } else if (g.num === 2) {
        spec.nonResourceAttributes = strings(msg(g), { 1: 'path', 2: 'verb' });
      }
    }
  }
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec };
}

export function isProtobuf(contentType: string): boolean {
  return /application\/vnd\.kubernetes\.protobuf/i.test(contentType);
}

/** Decodes a protobuf request body of a Namespace or a Service; refuses everything else with 415. */
export function decodeProtobuf(body: Buffer): KubeObject {
  const refuse = (why: string) =>
    Object.assign(
      unsupportedMediaType('application/vnd.kubernetes.protobuf', ['application/json', 'application/yaml']),
      {
        message: `protobuf request bodies are decoded only for core/v1 Namespace and Service and Self{Subject,Rules}Reviews (${why}); send JSON or YAML`,
      },
    );
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw refuse('missing the k8s\\0 envelope');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer | undefined;
  try {
    for (const f of fields(body.subarray(4))) {
      if (f.num === 1) {
        for (const t of msg(f)) {
          if (t.num === 1) apiVersion = str(t);
          if (t.num === 2) kind = str(t);
        }
      } else if (f.num === 2) {
        raw = f.value as Buffer;
      }
    }
    if (raw !== undefined && apiVersion === 'authorization.k8s.io/v1' && kind === 'SelfSubjectAccessReview') {
      return selfSubjectAccessReview(raw);
    }
    if (raw !== undefined && apiVersion === 'authorization.k8s.io/v1' && kind === 'SelfSubjectRulesReview') {
      const spec: Record<string, string> = {};
      for (const f of fields(raw)) if (f.num === 2) Object.assign(spec, strings(msg(f), { 1: 'namespace' }));
      return { apiVersion, kind, metadata: {}, spec };
    }
    if (apiVersion !== 'v1' || (kind !== 'Namespace' && kind !== 'Service') || raw === undefined) {
      throw refuse(`got ${apiVersion} ${kind}`);
    }
    const obj: KubeObject = { apiVersion, kind, metadata: {} };
    for (const f of fields(raw)) {
      if (f.num === 1) obj.metadata = objectMeta(msg(f));
      else if (f.num === 2)
        obj.spec =
          kind === 'Service'
            ? serviceSpec(msg(f))
            : {
                finalizers: msg(f)
                  .filter((x) => x.num === 1)
                  .map(str),
              };
    }
    if (kind === 'Namespace' && (obj.spec as { finalizers: string[] }).finalizers?.length === 0)
      delete obj.spec;
    return obj;
  } catch (e) {
    if (e instanceof Error && e.name === 'ApiError') throw e;
    throw refuse(`undecodable: ${(e as Error).message}`);
  }
}
