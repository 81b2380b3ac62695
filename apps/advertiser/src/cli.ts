#!/usr/bin/env node
/**
 * The `bgpadvertiser` executable. It checks the Node.js version before anything else is loaded
 * (libraries such as undici fail obscurely on old Node), then loads the CLI itself.
 * Keep this file free of other static imports (early-signals has none).
 */
import './early-signals.js';
import { checkNodeVersion } from '@bgplb/kube-runtime/node-version';

if (checkNodeVersion()) await import('./run-cli.js');
