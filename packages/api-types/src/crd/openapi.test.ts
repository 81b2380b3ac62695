import { readdirSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { BAD_FIXTURES } from '../../test/fixtures/bad-fixtures.js';
import { loadCrds } from '../crds.js';
import type { JsonSchema } from './structural.js';

/**
 * What the Kubernetes API server would do with each document, emulated with a real JSON-schema
 * validator on the checked-in CRDs: defaults are applied first, unknown fields are refused where the
 * schema does not preserve them (kubectl's strict field validation), `set` lists refuse duplicates,
 * the version must be served and
 * metadata.name must be set.
 */
interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    versions: Array<{ name: string; served: boolean; schema: { openAPIV3Schema: JsonSchema } }>;
  };
}

function strictFields(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (out.properties !== undefined) {
    const properties: JsonSchema = {};
    for (const [k, v] of Object.entries(out.properties as Record<string, JsonSchema>))
      properties[k] = strictFields(v);
    out.properties = properties;
    if (out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  }
  if (typeof out.items === 'object') out.items = strictFields(out.items as JsonSchema);
  if (out['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  if (typeof out.additionalProperties === 'object')
    out.additionalProperties = strictFields(out.additionalProperties as JsonSchema);
  return out;
}

const ajv = new Ajv({ useDefaults: true, allErrors: true });
ajv.addKeyword('x-kubernetes-preserve-unknown-fields');
ajv.addKeyword('x-kubernetes-list-type');
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);

const validators = new Map<string, ValidateFunction>();
for (const crd of loadCrds() as unknown as Crd[]) {
  for (const version of crd.spec.versions.filter((v) => v.served)) {
    const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
    validators.set(key, ajv.compile(strictFields(version.schema.openAPIV3Schema)));
  }
}

/** `accepts`, `rejects` (with the reasons) or `unparsable` for a multi-document YAML text. */
function apiServerVerdict(text: string): {
  verdict: 'accepts' | 'rejects' | 'unparsable';
  reasons: string[];
} {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return { verdict: 'accepts', reasons: [] };
  if (docs.some((d) => d.errors.length > 0)) return { verdict: 'unparsable', reasons: [] };
  const reasons: string[] = [];
  for (const doc of docs) {
    const value = doc.toJS() as Record<string, unknown> | null;
    if (value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      reasons.push('not an object');
      continue;
    }
    const validate = validators.get(`${String(value.apiVersion)}/${String(value.kind)}`);
    if (validate === undefined) {
      reasons.push(`no served CRD for ${String(value.apiVersion)} ${String(value.kind)}`);
      continue;
    }
    if (typeof (value.metadata as { name?: unknown } | undefined)?.name !== 'string')
      reasons.push('metadata.name');
    if (!validate(value)) reasons.push(ajv.errorsText(validate.errors));
  }
  return { verdict: reasons.length > 0 ? 'rejects' : 'accepts', reasons };
}

const examples = new URL('../../../../examples/', import.meta.url).pathname;
const bad = new URL('../../test/fixtures/bad/', import.meta.url).pathname;
const good = new URL('../../test/fixtures/good/', import.meta.url).pathname;

describe('generated OpenAPI schemas, checked with ajv', () => {
  it('compiles one validator per kind', () => {
    expect(validators.size).toBe(6);
  });

  it.each(readdirSync(examples).filter((f) => f.endsWith('.yaml')))('accepts examples/%s', (name) => {
    expect(apiServerVerdict(readFileSync(examples + name, 'utf8'))).toEqual({
      verdict: 'accepts',
      reasons: [],
    });
  });

  it.each(readdirSync(good))('accepts test/fixtures/good/%s', (name) => {
    expect(apiServerVerdict(readFileSync(good + name, 'utf8'))).toEqual({ verdict: 'accepts', reasons: [] });
  });

  it.each(BAD_FIXTURES)('$file: OpenAPI $openApi it', (fixture) => {
    const { verdict, reasons } = apiServerVerdict(readFileSync(bad + fixture.file, 'utf8'));
    expect(verdict, reasons.join('; ')).toBe(fixture.openApi);
  });

  it('applies the schema defaults as the API server would', () => {
    const peer = {
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPPeer',
      metadata: { name: 'p' },
      spec: { localASN: 65001, peerASN: 65002, peerIP: '10.0.3.254' },
    };
    expect(validators.get('networking.gke.io/v1/BGPPeer')?.(peer)).toBe(true);
    expect(peer.spec).toMatchObject({ sessions: 1 });
  });

  it('accepts a BGPSession status as the node agent writes it, and refuses a bad state', () => {
    const session = {
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPSession',
      metadata: { name: 'bgppeer1-node-03', namespace: 'kube-system' },
      spec: {
        floatingIP: '10.0.1.178',
        localASN: 4273481990,
        localIP: '10.0.1.178',
        nodeName: 'node-03',
        peerASN: 65000,
        peerIP: '10.0.1.254',
      },
      status: {
        state: 'Established',
        advertisedRoutes: ['10.0.0.2/32'],
        lastReportTime: '2025-01-02T03:04:05Z',
        establishedSince: '2025-01-02T03:00:00Z',
        receivedPrefixes: 0,
        advertisedPrefixes: 1,
        lastError: {
          code: 4,
          subcode: 0,
          message: 'Hold Timer Expired',
          direction: 'sent',
          time: '2025-01-02T02:59:00Z',
        },
      },
    };
    const validate = validators.get('networking.gke.io/v1/BGPSession')!;
    expect(validate(session)).toBe(true);
    expect(validate({ ...session, status: { ...session.status, state: 'Up' } })).toBe(false);
  });
});
