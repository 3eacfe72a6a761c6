export { startServices, type Services } from './services.js';
export { runDemo, type DemoOptions } from './demo.js';
export {
  reprice,
  RepriceError,
  type RepriceErrorCode,
  type RepriceOptions,
  type RepriceReport,
  type DayReport,
} from '@agentmeter/store';
