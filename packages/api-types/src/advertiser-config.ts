/**
 * `@bgplb/api-types/advertiser-config`: what a program that reads only the `bgpadvertiser --config`
 * file needs (its schema, loading with file:line:col problems, timers, addresses, drain settings),
 * without building every CRD schema at import as the package's main entry does. The control-plane
 * advertiser's manual procedure loads this (docs/benchmarks.md, "advertiser control-plane mode").
 * The same modules as the main entry's, re-exported: nothing here is defined twice.
 */
export * from './address.js';
export * from './advertiser-config-file.js';
export * from './constants.js';
export * from './parse-with.js';
export * from './problems.js';
export * from './schemas/advertiser-config.js';
export * from './schemas/drain-settings.js';
export * from './schemas/session-primitives.js';
export * from './timers.js';
