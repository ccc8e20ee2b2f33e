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
export {
  diffManifests,
  type ManifestDiff,
  type PurposeChange,
  pendingAfterUpgrade,
  type UpgradeGrants,
} from './core/manifest/diff.js';
export { grantPermission, grantUrl, revokeConnectSrc, revokePermission } from './core/manifest/edit.js';
export {
  type EditManifestFileOptions,
  editManifestFile,
  type ManifestFileEdit,
} from './core/manifest/edit-file.js';
export {
  type ApiAccessType,
  type ContentSecurityPolicy,
  type DistributionType,
  type Manifest,
  type ManifestPermission,
  type ManifestView,
  type PostInstallAction,
  type UiExtension,
  VIEWPORTS,
  type Viewport,
} from './core/manifest/types.js';
export {
  checkConnectSrc,
  checkExternalUrl,
  checkImageSrc,
  checkRedirectUri,
  connectSrcCovers,
} from './core/manifest/url-rules.js';
export { type ManifestValidation, parseManifest, validateManifest } from './core/manifest/validate.js';
export { type Requirement, type RequirementGroup, requirementGroup } from './core/requirement.js';
export {
  HTTP_METHODS,
  type HttpMethod,
  type RouteEntry,
  type RouteTableFile,
  routeTableFileSchema,
  type TypeEntry,
} from './core/routes/format.js';
export { type GenerateOptions, generateRouteTable, serializeRouteTable } from './core/routes/generate.js';
export {
  DEFAULT_ROUTE_TABLE_PATH,
  defaultRouteTable,
  loadRouteTable,
  parseRouteTable,
} from './core/routes/load.js';
export type {
  ExpansionRule,
  ResourceMapping,
  ResourcePermissions,
  RouteRule,
} from './core/routes/mapping.js';
export {
  type RequestInput,
  type ResolvedRequest,
  resolveRequest,
  resolveRequestLine,
} from './core/routes/resolve.js';
export {
  type CompiledRoute,
  type ExpandedRequirement,
  MAX_EXPAND_SEGMENTS,
  RouteTable,
  type RouteTableValidation,
  validateRouteTable,
} from './core/routes/route-table.js';
export { STRIPE_MAPPING } from './core/routes/stripe-mapping.js';
export { AppscopeError, type ErrorCode, isAppscopeError } from './errors.js';
