import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RESOURCES } from './constants.js';
import { crdDirectory, loadCrds, renderCrdFiles } from './crds.js';

describe('generated CRDs', () => {
  it('are checked in exactly as the schemas generate them (run `pnpm generate` if this fails)', () => {
    const expected = renderCrdFiles();
    const onDisk = readdirSync(crdDirectory).filter((f) => f.endsWith('.yaml'));
    expect(onDisk.sort()).toEqual([...expected.keys()].sort());
    for (const [name, text] of expected) {
      expect(readFileSync(join(crdDirectory, name), 'utf8'), name).toBe(text);
    }
  });

  it('loads one CRD per kind with a status subresource', () => {
    const crds = loadCrds() as Array<{
      metadata: { name: string };
      spec: { versions: Array<{ subresources: unknown }> };
    }>;
    const names = crds.map((c) => c.metadata.name).sort();
    const want = Object.values(RESOURCES)
      .map((r) => `${r.plural}.${r.group}`)
      .sort();
    expect(names).toEqual(want);
    for (const crd of crds) expect(crd.spec.versions[0]?.subresources).toEqual({ status: {} });
  });

  it('gives `kubectl get bgpsessions` exactly the seed columns', () => {
    const crd = loadCrds().find(
      (c) => (c as { metadata: { name: string } }).metadata.name === 'bgpsessions.networking.gke.io',
    ) as {
      spec: {
        versions: Array<{
          additionalPrinterColumns: Array<{ name: string; type: string; priority?: number }>;
        }>;
      };
    };
    const columns = crd.spec.versions[0]?.additionalPrinterColumns.filter((c) => (c.priority ?? 0) === 0);
    expect(['NAME', ...(columns ?? []).map((c) => c.name.toUpperCase())].join('  ')).toBe(
      'NAME  LOCAL ASN  PEER ASN  LOCAL IP  PEER IP  STATE  LAST REPORT',
    );
    expect(columns?.at(-1)?.type).toBe('date');
    // `-o wide` adds node, floating IP and the extensions: uptime, flaps, prefixes sent and
    // received, last error and the BFD state.
    const wide = crd.spec.versions[0]?.additionalPrinterColumns.filter((c) => c.priority === 1);
    expect(wide?.map((c) => c.name)).toEqual([
      'Node',
      'Floating IP',
      'Uptime',
      'Flaps',
      'Sent',
      'Received',
      'Last Error',
      'BFD',
    ]);
  });

  it('lets the node agent select its sessions by spec.nodeName', () => {
    const crd = loadCrds().find(
      (c) => (c as { metadata: { name: string } }).metadata.name === 'bgpsessions.networking.gke.io',
    ) as { spec: { versions: Array<{ selectableFields: unknown }> } };
    expect(crd.spec.versions[0]?.selectableFields).toEqual([{ jsonPath: '.spec.nodeName' }]);
  });
});

/** Checks the rules of Kubernetes structural schemas that a CRD must follow to be accepted. */
function structuralViolations(node: Record<string, unknown>, where: string, root = false): string[] {
  const out: string[] = [];
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (typeof node.type !== 'string' && !preserve) out.push(`${where}: no type`);
  if ('$ref' in node) out.push(`${where}: $ref`);
  if (node.uniqueItems === true) out.push(`${where}: uniqueItems`);
  if (node.additionalProperties === false) out.push(`${where}: additionalProperties false`);
  if (node.additionalProperties !== undefined && node.properties !== undefined) {
    out.push(`${where}: properties and additionalProperties`);
  }
  for (const junctor of ['allOf', 'anyOf', 'oneOf', 'not']) {
    const sub = node[junctor];
    const subs = Array.isArray(sub) ? sub : sub === undefined ? [] : [sub];
    for (const s of subs as Array<Record<string, unknown>>) {
      for (const forbidden of ['type', 'description', 'default', 'additionalProperties', 'nullable']) {
        if (forbidden in s) out.push(`${where}/${junctor}: ${forbidden}`);
      }
    }
  }
  if (node['x-kubernetes-list-type'] === 'set') {
    const items = node.items as { type?: string } | undefined;
    if (node.type !== 'array' || items?.type === 'object' || items?.type === 'array') {
      out.push(`${where}: list-type set needs scalar items`);
    }
  }
  if (node.format !== undefined && !['int64', 'date-time'].includes(String(node.format))) {
    out.push(`${where}: format ${String(node.format)}`);
  }
  const properties = (node.properties ?? {}) as Record<string, Record<string, unknown>>;
  if (root) {
    const metadata = properties.metadata ?? {};
    if (Object.keys(metadata).some((k) => k !== 'type'))
      out.push(`${where}/metadata: only its type may be set`);
  }
  for (const [name, sub] of Object.entries(properties))
    out.push(...structuralViolations(sub, `${where}.${name}`));
  if (typeof node.items === 'object')
    out.push(...structuralViolations(node.items as Record<string, unknown>, `${where}[]`));
  if (typeof node.additionalProperties === 'object') {
    out.push(...structuralViolations(node.additionalProperties as Record<string, unknown>, `${where}{}`));
  }
  return out;
}

describe('CRD schemas are structural', () => {
  it.each(
    loadCrds().map((c) => [
      (c as { metadata: { name: string } }).metadata.name,
      c as { spec: { versions: Array<{ schema: { openAPIV3Schema: Record<string, unknown> } }> } },
    ]),
  )('%s', (name, crd) => {
    for (const version of crd.spec.versions) {
      expect(structuralViolations(version.schema.openAPIV3Schema, name, true)).toEqual([]);
    }
  });

  it('catches what would make the API server refuse a CRD', () => {
    expect(
      structuralViolations(
        {
          type: 'object',
          properties: {
            metadata: { type: 'object', properties: {} },
            a: { additionalProperties: false, properties: {}, type: 'object' },
            b: {
              type: 'array',
              uniqueItems: true,
              items: { type: 'object' },
              'x-kubernetes-list-type': 'set',
            },
            c: { type: 'integer', not: { type: 'integer', enum: [1] }, format: 'int8' },
            d: { $ref: '#/x' },
          },
        },
        'x',
        true,
      ),
    ).toEqual([
      'x/metadata: only its type may be set',
      'x.a: additionalProperties false',
      'x.a: properties and additionalProperties',
      'x.b: uniqueItems',
      'x.b: list-type set needs scalar items',
      'x.c/not: type',
      'x.c: format int8',
      'x.d: no type',
      'x.d: $ref',
    ]);
  });
});
