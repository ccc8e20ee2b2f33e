export {
  type Access,
  Catalog,
  type Companion,
  type CompileResult,
  compileCatalog,
  type Permission,
  type Resource,
} from './core/catalog/catalog.js';
export { DEFAULT_CATALOG_PATH, defaultCatalog, loadCatalog, parseCatalog } from './core/catalog/load.js';
export { PermissionSet } from './core/catalog/permission-set.js';
export {
  type Decision,
  type DecisionEvidence,
  decide,
  explainDecision,
  type GroupEvidence,
  missingGroups,
} from './core/decide.js';
export type { Issue, Severity } from './core/issues.js';
export { formatIssues, hasErrors } from './core/issues.js';
export { type Requirement, type RequirementGroup, requirementGroup } from './core/requirement.js';
export { AppscopeError, type ErrorCode, isAppscopeError } from './errors.js';
