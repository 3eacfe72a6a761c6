export * from './types.js';
export * from './telemetry/call-span.js';
