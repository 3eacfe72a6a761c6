import type { DashboardSpec } from '../panels.js';
import { alerts } from './alerts.js';
import { cost } from './cost.js';
import { overview } from './overview.js';
import { providers } from './providers.js';
import { routing } from './routing.js';
import { tenancy } from './tenancy.js';

/** The six dashboards, in the order the README lists them. */
export const DASHBOARDS: readonly DashboardSpec[] = [
  overview,
  routing,
  cost,
  providers,
  alerts,
  tenancy,
];
