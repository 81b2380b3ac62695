import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { KNOWN_KINDS } from './constants.js';
import { buildCrd, crdFileName } from './crd/build.js';

/**
 * Absolute path of the directory holding the generated CRD YAML files (`<group>_<plural>.yaml`).
 * Resolves to `packages/api-types/crds` from the sources and from `dist/` alike.
 */
export const crdDirectory: string = fileURLToPath(new URL('../crds/', import.meta.url));

/** The checked-in CRDs, parsed, in file-name order. */
export function loadCrds(directory: string = crdDirectory): Array<Record<string, unknown>> {
  return readdirSync(directory)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => parse(readFileSync(join(directory, f), 'utf8')) as Record<string, unknown>);
}

// YAML 1.1, as Kubernetes reads it: an enum value such as "off" must stay a quoted string.
const HEADER = '# Generated from the zod schemas of @bgplb/api-types by `pnpm generate`. Do not edit.\n';

/** The CRD files as they should be on disk: file name -> YAML text. */
export function renderCrdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const kind of KNOWN_KINDS) {
    files.set(crdFileName(kind), HEADER + stringify(buildCrd(kind), { lineWidth: 0, version: '1.1' }));
  }
  return files;
}
