export { startServices, type Services } from './services.js';
