import { readdirSync } from 'node:fs';
import { formatProblem, loadAdvertiserConfig, validateFiles } from './src/index.js';

const dir = 'test/fixtures/bad/';
const r = await validateFiles(
  readdirSync(dir)
    .sort()
    .map((f) => dir + f),
);
for (const f of r) {
  console.log(f.file.replace(dir, ''), f.problems.length);
  f.problems.forEach((p) => console.log('   ' + formatProblem(p).replace(f.file, '')));
}
for (const f of readdirSync('test/fixtures/advertiser').sort()) {
  const x = await loadAdvertiserConfig('test/fixtures/advertiser/' + f);
  console.log(
    f,
    x.ok,
    x.problems.map((p) => formatProblem(p)),
  );
}
const o = await validateFiles(['test/fixtures/other/with-unknown-kind.yaml']);
console.log(JSON.stringify(o[0]?.ignored), o[0]?.problems);
