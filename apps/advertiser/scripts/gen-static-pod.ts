// Writes deploy/static-pod/*.yaml from the advertiser's one static-pod template (src/static-pod.ts).
import { writeFileSync } from 'node:fs';
import { DEPLOY_STATIC_PODS } from '../src/static-pod-templates.js';

const dir = new URL('../../../deploy/static-pod/', import.meta.url);
for (const { file, text } of DEPLOY_STATIC_PODS) {
  writeFileSync(new URL(file, dir), text());
  console.log(`wrote deploy/static-pod/${file}`);
}
