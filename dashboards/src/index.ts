export * from './queries.js';
export {
  expandQuery,
  QueryExpansionError,
  type QueryContext,
  type VariableValue,
} from './macros.js';
export { FILTERS, ROLLUP_LEVELS, type FilterVariable } from './sql.js';
export * from './seeds.js';
