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
  });

  it('lets the node agent select its sessions by spec.nodeName', () => {
    const crd = loadCrds().find(
      (c) => (c as { metadata: { name: string } }).metadata.name === 'bgpsessions.networking.gke.io',
    ) as { spec: { versions: Array<{ selectableFields: unknown }> } };
    expect(crd.spec.versions[0]?.selectableFields).toEqual([{ jsonPath: '.spec.nodeName' }]);
  });
});
