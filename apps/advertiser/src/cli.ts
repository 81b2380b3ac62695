#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * The `bgpadvertiser` executable. It checks the Node.js version before anything else is loaded
 * (libraries such as undici fail obscurely on old Node), then loads the CLI itself.
 * `--max-semi-space-size=1` (MiB): a small young generation for a long-lived small daemon; 6-8 MiB
 * less RSS at idle with no measurable event-loop cost (docs/benchmarks.md). The single-file binary
 * bakes in the same flag (scripts/build-binary.mjs); `node dist/cli.js` run by hand does not get it.
 * Keep this file free of other static imports (early-signals has none).
 */
import './early-signals.js';
import { checkNodeVersion } from '@bgplb/kube-runtime/node-version';

if (checkNodeVersion()) await import('./run-cli.js');
