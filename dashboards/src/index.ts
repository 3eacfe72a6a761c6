export * from './queries.js';
export {
  expandQuery,
  QueryExpansionError,
  type QueryContext,
  type VariableValue,
} from './macros.js';
export { FILTERS, ROLLUP_LEVELS, type FilterVariable } from './sql.js';
export {
  panelTargets,
  templateVariables,
  type PanelTarget,
  type TemplateVariable,
} from './targets.js';
