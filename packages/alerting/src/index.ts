/** `@agentmeter/alerting`: rules over the rollups, the alert state machine, notifications, the API. */
export { startAlerting, type AlertingService, type AlertingServiceOptions } from './service.js';
export { RuleManager, type ManagedRule, type RuleHealth } from './manager.js';
export { StatementQueue, withDeadline } from './statement-queue.js';
export * from './model.js';
export { fingerprint } from './fingerprint.js';
export * from './rules/index.js';
export * from './notify/index.js';
