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
  analyzeUsage,
  type DeniedCall,
  type ObservedDecision,
  type UsageAnalysis,
} from './core/least-privilege/analyze-usage.js';
export { type CompanionNote, companionNotes } from './core/least-privilege/companion-notes.js';
export {
  compareWithManifest,
  type ManifestComparison,
  type WiderPermission,
} from './core/least-privilege/compare-with-manifest.js';
export { type MinimalSet, type MinimalSetOptions, minimalSet } from './core/least-privilege/minimal-set.js';
export {
  formatRestrictedKeyTable,
  type RestrictedKeyAccess,
  type RestrictedKeyRow,
  restrictedKeyTable,
} from './core/least-privilege/restricted-key.js';
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
export {
  type BodyOptions,
  type ParsedBody,
  parseBody,
  type SerializedBody,
  serializeBody,
  type UploadedFile,
} from './core/params/body.js';
export {
  PARAM_LIMITS,
  ParamError,
  type ParamErrorCode,
  type ParamLimits,
  type ParamObject,
  type ParamValue,
  parseParams,
  RESERVED_NAMES,
  serializeParams,
} from './core/params/params.js';
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
  OpenApiSupplement,
  ResourceMapping,
  ResourcePermissions,
  RouteRule,
} from './core/routes/mapping.js';
export {
  type MappingValidation,
  mappingFileSchema,
  parseMappingFile,
  validateMappingFile,
} from './core/routes/mapping-file.js';
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
export {
  compileSdkMethods,
  DEFAULT_SDK_METHODS_PATH,
  defaultSdkMethods,
  parseSdkMethods,
  type SdkEndpointMethod,
  type SdkMethod,
  type SdkMethods,
  type SdkMethodsFile,
  type SdkRawMethod,
  sdkMethodsFileSchema,
  serializeSdkMethods,
} from './core/routes/sdk-methods.js';
export { STRIPE_MAPPING } from './core/routes/stripe-mapping.js';
export { STRIPE_SECRET_STORE } from './core/routes/stripe-secret-store.js';
export { type DashboardContext, type DashboardOptions, registerDashboard } from './dashboard/dashboard.js';
export { DecisionLog, type DecisionLogOptions, type DecisionLogStats } from './decision-log/decision-log.js';
export { type JsonLinesOutput, openJsonLines, streamOutput } from './decision-log/json-lines.js';
export { type DecisionJsonLine, toDecisionJson, toDecisionRow } from './decision-log/rows.js';
export { type CreateAccountResult, createAccount, getAccount, listAccounts } from './domain/accounts.js';
export { type Actor, OPERATOR, requireRole, USER_ROLES, type UserRole } from './domain/actor.js';
export {
  type AppSecret,
  type AppSecretScope,
  type AppSecretSummary,
  type DataKeyStatus,
  dataKeyStatus,
  deleteAppSecret,
  deleteInstallSecret,
  findAppSecret,
  type ListAppSecretsInput,
  listAppSecrets,
  listInstallSecrets,
  pruneExpiredAppSecrets,
  type RotateDataKeyInput,
  type RotationResult,
  rotateDataKey,
  SECRET_NAME_MAX_LENGTH,
  SECRET_PAYLOAD_MAX_LENGTH,
  SECRETS_PER_SCOPE,
  type SecretCaller,
  type SetAppSecretInput,
  setAppSecret,
} from './domain/app-secrets.js';
export {
  getAppVersion,
  listAppVersions,
  releaseAppVersion,
  type UploadAppVersionInput,
  type UploadAppVersionResult,
  uploadAppVersion,
} from './domain/app-versions.js';
export { getApp } from './domain/apps.js';
export {
  type AuditBreak,
  type AuditEntry,
  type AuditVerification,
  listAudit,
  verifyAudit,
} from './domain/audit.js';
export { createDomain, type Domain, type DomainOptions } from './domain/context.js';
export {
  DATA_KEY_BYTES,
  DataKey,
  DataKeyring,
  type DataKeyringOptions,
  generateDataKey,
  parseDataKey,
  type Sealed,
} from './domain/data-keys.js';
export {
  type DecisionActivity,
  type DecisionActivityInput,
  decisionActivity,
} from './domain/decision-activity.js';
export {
  DECISION_OUTCOMES,
  type DecisionStats,
  decisionStats,
  type ListDecisionsInput,
  type LoggedDecision,
  listDecisions,
  toLoggedDecision,
} from './domain/decisions.js';
export { DomainError } from './domain/domain-error.js';
export {
  type Application,
  type AppscopeEvent,
  EVENT_TYPES,
  type EventType,
  getEvent,
  type ListEventsInput,
  listEvents,
} from './domain/events.js';
export {
  getInstall,
  type InstallAppInput,
  type InstallAppResult,
  installApp,
  type ListInstallsInput,
  listInstalls,
  reauthorizeInstall,
  uninstallApp,
} from './domain/installs.js';
export {
  type AccountPrincipal,
  type AppPrincipal,
  type AuthFailureReason,
  type AuthResult,
  actorFromPrincipal,
  authenticateKey,
  type CreateInstallKeyInput,
  createAccountSecretKey,
  createAppSecretKey,
  createInstallKey,
  getKey,
  type InstallPrincipal,
  listKeys,
  type Principal,
  resolvePlatformInstall,
  revokeKey,
  rollKey,
  setKeyExpiry,
} from './domain/keys.js';
export {
  type Account,
  type ApiKey,
  type App,
  type AppVersion,
  type CreatedKey,
  type Install,
  installEffectiveSet,
  type KeyStatus,
} from './domain/objects.js';
export { checkPasswordStrength, hashPassword, verifyPassword } from './domain/passwords.js';
export { maskKey } from './domain/secrets.js';
export { type SetShadowModeInput, setShadowMode } from './domain/shadow-mode.js';
export {
  type CreateUserInput,
  type CreateUserResult,
  checkUserPassword,
  createUser,
  listUsers,
  type User,
} from './domain/users.js';
export { checkWebhookUrl, isPublicAddress, type WebhookUrlPolicy } from './domain/webhook-urls.js';
// webhooks (issue 15)
export {
  type CreateWebhookEndpointInput,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  retryWebhookDelivery,
  signPayload,
  type UpdateWebhookEndpointInput,
  updateWebhookEndpoint,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEndpoint,
} from './domain/webhooks.js';
export { createEmulator } from './emulator/emulator.js';
export { startEmulatorServer } from './emulator/server.js';
export { AppscopeError, type ErrorCode, httpStatusOf, isAppscopeError } from './errors.js';
export {
  AUTH_THROTTLE_DEFAULTS,
  type AuthThrottle,
  type AuthThrottleOptions,
  createAuthThrottle,
  rateLimitedError,
} from './gateway/auth-throttle.js';
export {
  type AuthorizeInput,
  type Authorizer,
  type CanonicalRequest,
  createAuthorizer,
  type Verdict,
  type VerdictStage,
} from './gateway/authorize.js';
export type {
  DecisionRecord,
  DecisionSink,
  UnauthenticatedReason,
  UnauthenticatedRequest,
} from './gateway/decision-record.js';
export {
  ACCEPTED_PERMISSIONS_HEADER,
  type Denial,
  DenialBuilder,
  type RequiredPermissions,
} from './gateway/denial.js';
export { EVENT_PERMISSIONS, type EventPermissionRule } from './gateway/event-permissions.js';
export { compileEventVisibility, type EventVisibility } from './gateway/event-visibility.js';
export { type GatewayContext, registerGateway, SHADOW_DECISION_HEADER } from './gateway/gateway.js';
export { checkHeaders, checkTarget } from './gateway/hygiene.js';
export type { LocalAnswer, LocalRoutes } from './gateway/local-routes.js';
export {
  DEFAULT_GATEWAY_LIMITS,
  type EmulatorUpstreamOptions,
  type GatewayLimits,
  type GatewayOptions,
  type GatewayUpstreamOptions,
  type HttpUpstreamOptions,
} from './gateway/options.js';
export { createPrincipalCache, type PrincipalCache } from './gateway/principal-cache.js';
export type { Upstream, UpstreamRequest, UpstreamResponse } from './gateway/upstream.js';
export { type ObservedCall, type Recorder, type RecorderOptions, startRecorder } from './record/recorder.js';
export {
  type ScanCall,
  type ScanContext,
  type ScanPathsResult,
  type ScanResult,
  scanPaths,
  scanSource,
  type Unresolved,
} from './scan/index.js';
export { createServer, type ServerLimits, type ServerOptions } from './server/app.js';
export {
  createMetrics,
  DECISION_LATENCY_BUCKETS,
  type GatewayMetrics,
  type MetricsOptions,
} from './server/metrics.js';
export { type SecretStoreOptions, secretStoreRoutes } from './server/secret-store-api.js';
export {
  DATABASE_FILE,
  DEFAULT_DATA_DIR,
  type OpenStoreOptions,
  openStore,
  resolveStoreTarget,
  type StoreTarget,
  storeTargetFrom,
} from './store/open.js';
export {
  type DecisionWriter,
  openSqliteDecisionWriter,
  storeDecisionWriter,
} from './store/sqlite-decision-writer.js';
export type {
  ChangeListener,
  DecisionCounts,
  DecisionDropRow,
  DecisionFilter,
  DecisionOutcome,
  DecisionRow,
  Mode,
  NewDecisionRow,
  Store,
  StoreChange,
  StoreTransaction,
} from './store/store.js';
export { sendWebhook } from './webhooks/sender.js';
export { startWebhookWorker, type WebhookWorker, type WebhookWorkerOptions } from './webhooks/worker.js';
