export * from './config.js';
export * from './desired-state.js';
export * from './names.js';
export * from './nodes.js';
export * from './types.js';
