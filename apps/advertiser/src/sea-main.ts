/**
 * Entry point of the single-file `bgpadvertiser` (scripts/build-binary.mjs bundles it as one CommonJS
 * file for a Node single executable application). The embedded Node is the one the binary was built
 * with, so cli.ts's Node version check (and its top-level await, which CommonJS lacks) is not needed.
 */
import './early-signals.js';
import './run-cli.js';
