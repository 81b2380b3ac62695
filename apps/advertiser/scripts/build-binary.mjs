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
 * Also makes dist/bin/bgpadvertiser-linux-<the other arch> when it can (buildCross below).
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
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { arch, platform } from 'node:process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { promClientUnused } from '../bundle-plugins.ts';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(appDir, '../..');
const outDir = join(appDir, 'dist/bin');
const binary = join(outDir, `bgpadvertiser-${platform}-${arch}`);
const bundle = join(outDir, 'bgpadvertiser.cjs');
const kubeBundle = join(outDir, 'kubernetes-client.cjs');
const blob = join(outDir, 'bgpadvertiser.blob');
/** Name of the Kubernetes client's bundle among the SEA's assets. */
const KUBE_ASSET = 'kubernetes-client.cjs';
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
    join(appDir, 'bundle-plugins.ts'),
    ...['bgp-fsm', 'bgp-wire', 'bfd', 'api-types', 'floating-ip-allocator', 'kube-runtime', 'clock'].map(
      (p) => join(repoRoot, 'packages', p, 'src'),
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
} else {
  await buildNative();
}
await buildCross();

/**
 * One CommonJS bundle of `entry` (a file, or `{ contents }` of a module in this directory) and every
 * dependency (workspace sources included).
 */
async function bundleFor(entry, outfile, plugins) {
  return build({
    // The metafile's input paths are relative to it (kubernetesClientImports reads them).
    absWorkingDir: appDir,
    metafile: true,
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, resolveDir: appDir, loader: 'js' } }),
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    // Workspace libraries from their TypeScript sources, as in the tests: no prior build needed.
    conditions: ['@bgplb/source'],
    // Whitespace only: a fully minified bundle (2.7 MB instead of 3.9) left 14 MiB more malloc'd
    // memory at idle (V8 compiles its parenthesised functions eagerly).
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins,
    // import.meta is empty in CommonJS; a file URL of the executable keeps `new URL(x, import.meta.url)`
    // (api-types' CRD directory, unused by this CLI) from throwing at load time.
    define: { 'import.meta.url': '__bgpadvertiserMetaUrl' },
    banner: { js: 'var __bgpadvertiserMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
}

/**
 * `@kubernetes/client-node`, in the binary: its bundle from the SEA's assets, compiled and run as a
 * CommonJS module on first use (the SEA's require serves the built-in modules it needs). Only
 * `agent` and `--cluster` (live mode) load it, through modules imported on demand.
 */
function kubernetesClientAsAsset() {
  return {
    name: 'kubernetes-client-as-sea-asset',
    setup(build) {
      build.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({
        path: KUBE_ASSET,
        namespace: 'sea-asset',
      }));
      build.onLoad({ filter: /.*/, namespace: 'sea-asset' }, (args) => ({
        loader: 'js',
        contents: `
          const { getAsset } = require('node:sea');
          const { Script } = require('node:vm');
          const source = getAsset(${JSON.stringify(args.path)}, 'utf8');
          new Script('(function (exports, require, module, __filename, __dirname) {' + source + '\\n})', {
            filename: ${JSON.stringify(args.path)},
          })
            .runInThisContext()
            .call(module.exports, module.exports, require, module, __filename, __dirname);
        `,
      }));
    },
  };
}

/** The names that `files` import from @kubernetes/client-node as values (type-only imports left out). */
function kubernetesClientImports(files) {
  const names = new Set();
  for (const f of files.filter((f) => /\.[cm]?ts$/.test(f) && !f.includes('node_modules'))) {
    const text = readFileSync(f, 'utf8');
    if (/import\s+\*\s+as\s+\w+\s+from\s+'@kubernetes\/client-node'/.test(text))
      throw new Error(
        `${f}: a namespace import of @kubernetes/client-node; import names (build-binary lists them)`,
      );
    for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@kubernetes\/client-node'/g))
      for (const spec of m[1].split(',').map((x) => x.trim()))
        if (spec !== '' && !spec.startsWith('type ')) names.add(spec.split(/\s+as\s+/)[0]);
  }
  return [...names].sort();
}

async function buildNative() {
  mkdirSync(outDir, { recursive: true });

  // The Kubernetes client (with undici, 2 MB of the 3.8) is a second bundle, stored in the blob as
  // an asset and compiled only when used: in the main script, V8 would keep its source in memory and
  // the blob's pages resident for every command (docs/benchmarks.md, "Idle cost").
  // prom-client's Pushgateway and cluster aggregator (https, tls, zlib at load) left out, as in
  // dist/cli.js (bundle-plugins.ts).
  const main = await bundleFor(join(appDir, 'src/sea-main.ts'), bundle, [
    kubernetesClientAsAsset(),
    promClientUnused,
  ]);
  const names = kubernetesClientImports(Object.keys(main.metafile.inputs).map((f) => join(appDir, f)));
  // Only what the sources import: the whole client is 6.8 MB of bundle, these 2 MB.
  await bundleFor(
    { contents: `export { ${names.join(', ')} } from '@kubernetes/client-node';` },
    kubeBundle,
    [],
  );

  writeFileSync(
    seaConfig,
    JSON.stringify({
      main: bundle,
      output: blob,
      assets: { [KUBE_ASSET]: kubeBundle },
      disableExperimentalSEAWarning: true,
      useCodeCache: false,
      useSnapshot: false,
      // The same V8 flag as the npm form's shebang (src/cli.ts): a small young generation.
      execArgv: ['--max-semi-space-size=1'],
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
}

/**
 * The binary of the other Linux architecture (arm64 on x64, x64 on arm64), "when it can": a SEA blob
 * built without a startup snapshot and without a code cache (see sea-config above) holds only the
 * bundled JavaScript, so it runs in any Node of the same version; it is injected into that Node's
 * official binary for the other architecture, taken from the npm package node-linux-<arch> of the
 * same version (through npm, cached in dist/bin/.node-linux-<arch>-<version>/). Without the
 * registry the step is skipped with a warning; the native binary is built regardless. It is not
 * executed here (test/binary-cross-arch.test.ts checks that it is an ELF of that architecture
 * carrying this blob with the fuse set).
 */
async function buildCross() {
  if (platform !== 'linux' || (arch !== 'x64' && arch !== 'arm64')) return;
  const other = arch === 'x64' ? 'arm64' : 'x64';
  const crossBinary = join(outDir, `bgpadvertiser-linux-${other}`);
  const crossHash = join(outDir, `.inputs-hash-${other}`);
  if (existsSync(crossBinary) && existsSync(crossHash) && readFileSync(crossHash, 'utf8') === hash) {
    console.log(`${relative(process.cwd(), crossBinary)} is up to date`);
    return;
  }
  // The blob of the native build (rebuilt with it when it is gone).
  if (!existsSync(blob)) await buildNative();
  const version = process.version.slice(1);
  const nodeDir = join(outDir, `.node-linux-${other}-${version}`);
  const otherNode = join(nodeDir, 'node');
  try {
    if (!existsSync(otherNode)) {
      mkdirSync(nodeDir, { recursive: true });
      const packed = execFileSync(
        'npm',
        ['pack', `node-linux-${other}@${version}`, '--pack-destination', nodeDir, '--silent'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 },
      )
        .trim()
        .split('\n')
        .at(-1);
      const tgz = join(nodeDir, packed);
      execFileSync('tar', ['-xzf', tgz, '-C', nodeDir, '--strip-components=2', 'package/bin/node'], {
        timeout: 120_000,
      });
      rmSync(tgz, { force: true });
    }
  } catch (err) {
    console.warn(
      `skipping linux-${other}: cannot get node-linux-${other}@${version} from npm (${String(
        err.stderr || err.message,
      )
        .trim()
        .split('\n')
        .at(-1)})`,
    );
    return;
  }
  copyFileSync(otherNode, crossBinary);
  chmodSync(crossBinary, 0o755);
  const postject = join(appDir, 'node_modules/postject/dist/cli.js');
  execFileSync(process.execPath, [postject, crossBinary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  writeFileSync(crossHash, hash);
  console.log(
    `${relative(process.cwd(), crossBinary)}: ${(statSync(crossBinary).size / 1e6).toFixed(1)} MB (not runnable here)`,
  );
}
