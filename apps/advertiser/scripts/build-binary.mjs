#!/usr/bin/env node
/**
 * Builds the single-file `bgpadvertiser`: dist/bin/bgpadvertiser-linux-<arch>, the running Node with
 * the whole CLI embedded (a Node single executable application), so nothing else is needed beside it.
 *
 *   1. esbuild bundles src/sea-main.ts and every dependency (workspace sources included) into one
 *      CommonJS file: a SEA's main script can require only built-in modules;
 *   2. `node --experimental-sea-config` turns it into a blob;
 *   3. the blob is injected into a copy of this Node with postject (the fuse tells Node to run it).
 *
 * Not part of `pnpm build` (it takes a while and makes a ~127 MB file); run
 * `pnpm --filter @bgplb/advertiser build:binary`. Skips the work when the inputs hash to the same
 * value as the last build (dist/bin/.inputs-hash), so tests can call it cheaply.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { arch, platform } from 'node:process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(appDir, '../..');
const outDir = join(appDir, 'dist/bin');
const binary = join(outDir, `bgpadvertiser-${platform}-${arch}`);
const bundle = join(outDir, 'bgpadvertiser.cjs');
const blob = join(outDir, 'bgpadvertiser.blob');
const seaConfig = join(outDir, 'sea-config.json');
const hashFile = join(outDir, '.inputs-hash');
/** The fuse Node looks for to know that a SEA blob was injected (documented in Node's single-executable-applications). */
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : files(p);
    return e.name.endsWith('.test.ts') ? [] : [p];
  });
}

/** Hash of what goes into the binary: the Node executable, the lockfile and the sources bundled. */
function inputsHash() {
  const h = createHash('sha256');
  h.update(`${process.version} ${statSync(process.execPath).size}\n`);
  h.update(readFileSync(join(repoRoot, 'pnpm-lock.yaml')));
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  const dirs = [
    join(appDir, 'src'),
    join(appDir, 'package.json'),
    ...['bgp-fsm', 'bgp-wire', 'api-types', 'floating-ip-allocator', 'kube-runtime', 'clock'].map((p) =>
      join(repoRoot, 'packages', p, 'src'),
    ),
  ];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of statSync(d).isDirectory() ? files(d).sort() : [d]) {
      h.update(relative(repoRoot, f));
      h.update(readFileSync(f));
    }
  }
  return h.digest('hex');
}

const hash = inputsHash();
if (existsSync(binary) && existsSync(hashFile) && readFileSync(hashFile, 'utf8') === hash) {
  console.log(`${relative(process.cwd(), binary)} is up to date`);
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });

await build({
  entryPoints: [join(appDir, 'src/sea-main.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  // Workspace libraries from their TypeScript sources, as in the tests: no prior build needed.
  conditions: ['@bgplb/source'],
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
  // import.meta is empty in CommonJS; a file URL of the executable keeps `new URL(x, import.meta.url)`
  // (api-types' CRD directory, unused by this CLI) from throwing at load time.
  define: { 'import.meta.url': '__bgpadvertiserMetaUrl' },
  banner: { js: 'var __bgpadvertiserMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
});

writeFileSync(
  seaConfig,
  JSON.stringify({
    main: bundle,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: false,
    useSnapshot: false,
  }),
);
execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });
copyFileSync(process.execPath, binary);
chmodSync(binary, 0o755);
const postject = join(appDir, 'node_modules/postject/dist/cli.js');
execFileSync(process.execPath, [postject, binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
writeFileSync(hashFile, hash);
console.log(`${relative(process.cwd(), binary)}: ${(statSync(binary).size / 1e6).toFixed(1)} MB`);
