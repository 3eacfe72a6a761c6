export * from './fake-provider.js';
export * from './manual-clock.js';
