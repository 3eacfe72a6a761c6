export * from './attributes.js';
export * from './providers.js';
export * from './money.js';
export * from './errors.js';
export * from './problems.js';
export * from './clock.js';
export * from './config-file.js';
