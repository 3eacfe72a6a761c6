export { startServices, type Services } from './services.js';
export { runDemo, type DemoOptions } from './demo.js';
export type { DemoOutput, DemoReport } from './demo-report.js';
