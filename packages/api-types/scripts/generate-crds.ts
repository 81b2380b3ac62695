// Regenerates packages/api-types/crds/*.yaml from the zod schemas (`pnpm generate`).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdDirectory, renderCrdFiles } from '../src/crds.js';

mkdirSync(crdDirectory, { recursive: true });
const files = renderCrdFiles();
for (const stale of readdirSync(crdDirectory)) {
  if (stale.endsWith('.yaml') && !files.has(stale)) rmSync(join(crdDirectory, stale));
}
for (const [name, text] of files) writeFileSync(join(crdDirectory, name), text);
console.log(`wrote ${files.size} CRDs to ${crdDirectory}`);
