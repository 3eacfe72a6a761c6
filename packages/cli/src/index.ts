export { startServices, type Services } from './services.js';
export { runDemo, type DemoOptions } from './demo.js';
