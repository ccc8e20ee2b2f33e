/**
 * The `Store` is the only way the domain reaches a database. It is small on purpose: one
 * method per thing the domain needs, every flow inside one {@link Store.transaction}, and a
 * change hook for caches. SQLite (embedded default) and PostgreSQL implement it with the same
 * query code (see `kysely-store.ts`); the conformance suite in `test/store/` runs on both.
 *
 * Rows are plain data in the database's own shape (snake_case, JSON arrays as canonical text,
 * times as unix seconds); the domain turns them into the public objects.
 */

/** Which database engine a store runs on. */
export type StoreDialect = 'sqlite' | 'postgres';

/** Test or live data; every install, key and event belongs to exactly one. */
export type Mode = 'test' | 'live';

/** `accounts`: one row per account. */
export interface AccountRow {
  readonly id: string;
  readonly name: string;
  readonly created: number;
}

/** How an app calls the API: an install key, the developer's platform key, or OAuth tokens. */
export type AppAccessType = 'restricted_api_key' | 'platform' | 'oauth';
/** Who may install an app: anyone, or only its developer. */
export type AppDistributionType = 'public' | 'private';

/** `apps`: one row per app id. */
export interface AppRow {
  readonly id: string;
  readonly owner_account_id: string;
  readonly name: string;
  readonly access_type: AppAccessType;
  readonly distribution_type: AppDistributionType;
  /** The released version every install runs; null until the first release. */
  readonly current_version: string | null;
  readonly created: number;
  readonly updated: number;
}

/** `app_versions`: one row per uploaded version. */
export interface AppVersionRow {
  readonly app_id: string;
  readonly version: string;
  /** Upload order within the app, from 1; releases only move forward in this order. */
  readonly seq: number;
  /** The validated manifest as JSON text, exactly as stored (versions are immutable). */
  readonly manifest: string;
  /** Requested permission names as a JSON array (sorted, unique). */
  readonly permissions: string;
  readonly created: number;
  /** When the version was first released, or null. */
  readonly released: number | null;
}

/** An install is live until uninstalled; uninstalled rows stay as history. */
export type InstallStatus = 'installed' | 'uninstalled';

/** `installs`: one app on one account in one mode. */
export interface InstallRow {
  readonly id: string;
  readonly app_id: string;
  readonly account_id: string;
  readonly mode: Mode;
  readonly status: InstallStatus;
  /** JSON array of granted names (sorted). */
  readonly permissions_granted: string;
  /** JSON array of pending names (sorted). */
  readonly permissions_pending: string;
  /**
   * Shadow mode (migration 3): the gateway forwards what it would deny and logs it as
   * `shadow_denied`. Always present on rows the store returns; absent on insert means false.
   */
  readonly shadow_mode?: boolean;
  readonly created_by: string;
  readonly created: number;
  readonly updated: number;
}

/** What a key authenticates as: an account, a platform app, or one app install. */
export type KeyKind = 'account' | 'app' | 'install';

/** `api_keys`: a key's hash, hint, owner and lifecycle (never the secret). */
export interface KeyRow {
  readonly id: string;
  readonly kind: KeyKind;
  readonly mode: Mode;
  /** The account the key belongs to: the account itself, the app's developer, or the installing account. */
  readonly account_id: string;
  readonly app_id: string | null;
  readonly install_id: string | null;
  /** Hex SHA-256 of the whole secret; the secret itself is never stored. */
  readonly secret_hash: string;
  /** The secret's last four characters, for display. */
  readonly hint: string;
  /** JSON array of the names the key is narrowed to, or null for the install's whole effective set. */
  readonly permissions: string | null;
  readonly created: number;
  readonly created_by: string;
  readonly expires_at: number | null;
  readonly revoked: number | null;
  /** The key that replaced this one when it was rolled. */
  readonly rolled_to: string | null;
}

/** `events`: one Stripe-shaped event, ordered by `seq`. */
export interface EventRow {
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly account_id: string;
  readonly app_id: string | null;
  readonly mode: Mode;
  readonly created: number;
  /** The whole event object as JSON text. */
  readonly body: string;
}

/** An event before the database numbers it. */
export type NewEventRow = Omit<EventRow, 'seq'>;

/** `audit_log`: one hash-chained audit entry. */
export interface AuditRow {
  readonly seq: number;
  /** ISO-8601 time with milliseconds. */
  readonly at: string;
  /** JSON of the actor (never a secret). */
  readonly actor: string;
  readonly action: string;
  readonly target_type: string;
  readonly target_id: string;
  /** Canonical JSON of the target before the change, or null when it was created. */
  readonly before: string | null;
  /** Canonical JSON of the target after the change, or null when it was deleted. */
  readonly after: string | null;
  readonly prev_hash: string;
  readonly hash: string;
}

/** The end of the audit chain: the last row's sequence number and hash (0 and the genesis hash when empty). */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

/** A stored answer to a POST with an `Idempotency-Key`, replayed to retries of the same request. */
export interface IdempotencyRow {
  /** Whose key it is, e.g. `acct_…:test` (keys are unique per scope). */
  readonly scope: string;
  readonly key: string;
  /** Hash of the request, so a reused key with a different request can be refused. */
  readonly fingerprint: string;
  readonly status: number;
  /** The response body as JSON text. */
  readonly body: string;
  readonly request_id: string;
  readonly created: number;
}

/** Which way a gateway decision went; `shadow_denied` was forwarded (shadow mode) but would have been denied. */
export type DecisionOutcome = 'allowed' | 'denied' | 'shadow_denied';

/** `decisions`: one gateway decision, as the decision log wrote it (never a secret). */
export interface DecisionRow {
  /** Insertion order (assigned by the database). */
  readonly seq: number;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly request_id: string;
  readonly account_id: string | null;
  readonly install_id: string | null;
  readonly app_id: string | null;
  /** The masked key, e.g. `rk_test_***…abcd`. */
  readonly key_hint: string | null;
  /** 1 for live mode, 0 for test mode. */
  readonly livemode: number;
  readonly method: string;
  /** The matched route template, or null when no route matched. */
  readonly route: string | null;
  readonly path: string;
  /** JSON array of groups, each a JSON array of alternatives. */
  readonly requirement: string;
  readonly outcome: DecisionOutcome;
  /** JSON array of the unmet groups' alternatives. */
  readonly missing: string;
  readonly status: number | null;
  /** Milliseconds; stored to the microsecond. */
  readonly latency_ms: number;
}

/** A decision before the database numbers it. */
export type NewDecisionRow = Omit<DecisionRow, 'seq'>;

/** `decision_drops`: decisions the log dropped because its queue was full. */
export interface DecisionDropRow {
  /** When the drop was written (ms since the epoch). */
  readonly time: number;
  readonly dropped: number;
  /** Times of the first and last dropped decision (ms). */
  readonly first_time: number;
  readonly last_time: number;
}

/**
 * `unauthenticated_requests`: requests refused before a caller was established (no key, a bad
 * key, rate limited, …), counted per minute, reason and client address instead of stored one
 * row each.
 */
export interface UnauthenticatedCountRow {
  /** The start of the minute, in milliseconds since the epoch (a multiple of 60 000). */
  readonly minute: number;
  /** Why the request was refused, e.g. `invalid_key` (the gateway's `UnauthenticatedReason`). */
  readonly reason: string;
  /** The client's address as the socket reported it. */
  readonly address: string;
  readonly count: number;
}

/** Filters for {@link StoreTransaction.listUnauthenticatedCounts}. */
export interface UnauthenticatedFilter {
  readonly reason?: string;
  readonly address?: string;
  /** Minutes starting at or after this time (ms). */
  readonly since?: number;
  /** Minutes starting before this time (ms). */
  readonly until?: number;
  readonly limit?: number;
}

/** How large the decision log is, and the range it spans (see {@link StoreTransaction.decisionLogSize}). */
export interface DecisionLogSize {
  /**
   * Bytes the decision log takes. SQLite: the pages in use of the whole database file
   * (`(page_count - freelist_count) × page_size`; the decision log is nearly all of it, and the
   * measure is O(1)); PostgreSQL: `pg_total_relation_size` of the decision log's tables, indexes
   * included (space of deleted rows counts until VACUUM reuses it).
   */
  readonly bytes: number;
  /** The oldest and newest decision's `seq`, or null when there is none. */
  readonly oldestSeq: number | null;
  readonly newestSeq: number | null;
  /** The oldest and newest minute of unauthenticated counts (ms), or null when there is none. */
  readonly oldestMinute: number | null;
  readonly newestMinute: number | null;
}

/** Filters for {@link StoreTransaction.listDecisions} and {@link StoreTransaction.countDecisions}. */
export interface DecisionFilter {
  readonly accountId?: string;
  readonly installId?: string;
  readonly appId?: string;
  readonly livemode?: boolean;
  readonly outcome?: DecisionOutcome;
  readonly route?: string;
  /** Decisions whose requirement names this permission. */
  readonly permission?: string;
  readonly requestId?: string;
  /** The row with this `seq` (a cursor). */
  readonly seq?: number;
  /** Milliseconds, inclusive. */
  readonly since?: number;
  /** Milliseconds, exclusive. */
  readonly until?: number;
  /** Return rows that sort after this one (newest first: `time` desc, then `seq` desc). */
  readonly before?: { readonly time: number; readonly seq: number };
  readonly limit?: number;
}

/** Decision counts by outcome, and how many decisions were dropped, over a filter. */
export interface DecisionCounts {
  readonly outcomes: Readonly<Record<DecisionOutcome, number>>;
  /** Dropped decisions recorded in the time range (drops carry no account or install). */
  readonly dropped: number;
  /** When the last drop in the range was written (ms), or null. */
  readonly lastDrop: number | null;
}

/** A dashboard user's role on their account. */
export type UserRoleName = 'admin' | 'developer' | 'view_only';

/** `users`: one dashboard user of one account (email unique per account, stored lowercase). */
export interface UserRow {
  readonly id: string;
  readonly account_id: string;
  readonly email: string;
  readonly role: UserRoleName;
  /** `scrypt$N$r$p$salt$hash` (base64url); never the password. */
  readonly password_hash: string;
  readonly created: number;
}

/**
 * `sessions`: one signed-in dashboard session; neither the session id nor its CSRF token (derived
 * from the id) is stored.
 */
export interface SessionRow {
  /** Hex SHA-256 of the session id the browser holds in its cookie. */
  readonly id_hash: string;
  readonly user_id: string;
  /** The mode the dashboard shows and acts in. */
  readonly mode: Mode;
  readonly created: number;
  /** Unix seconds; the session is refused from then on. */
  readonly expires: number;
}

/** What a one-time dashboard link does: invite someone to the account, or reset a user's password. */
export type UserLinkKind = 'invite' | 'reset';

/** `user_links`: a one-time invite or password-reset link (only its token's hash is stored). */
export interface UserLinkRow {
  /** `ulink_…` */
  readonly id: string;
  readonly account_id: string;
  readonly kind: UserLinkKind;
  /** Lowercase: the invitee's, or the user's whose password is reset. */
  readonly email: string;
  /** The role an invitee gets; null for a reset. */
  readonly role: UserRoleName | null;
  /** The user a reset is for; null for an invite. */
  readonly user_id: string | null;
  /** Hex SHA-256 of the link's token. */
  readonly token_hash: string;
  readonly created: number;
  /** Who made the link (an actor label: `usr_…`, `operator`, …). */
  readonly created_by: string;
  /** Unix seconds; the link is refused from then on. */
  readonly expires: number;
  readonly used: number | null;
  /** When a newer link replaced it, an admin cancelled it, or its user was removed. */
  readonly revoked: number | null;
}

/** Who may read an app secret besides the app: every dashboard user of the account, or one. */
export type AppSecretScopeType = 'account' | 'user';

/**
 * `app_secrets`: one secret of the Secret Store, as ciphertext only. A secret belongs to the
 * app's developer (a developer's apps share their secrets, as Stripe allows), the installing
 * account and one mode; its name is unique within its scope.
 */
export interface AppSecretRow {
  /** `appsecret_…` */
  readonly id: string;
  /** The developer of the app that set it: the secret's owner. */
  readonly developer_account_id: string;
  /** The installing account. */
  readonly account_id: string;
  readonly mode: Mode;
  readonly scope_type: AppSecretScopeType;
  /** The dashboard user (`usr_…`) of a `user` scope; `''` for an `account` scope. */
  readonly scope_user: string;
  readonly name: string;
  /** The app that set it last. */
  readonly app_id: string;
  /** Which data key encrypts it (the key itself is never in the database). */
  readonly key_id: string;
  /** The 96-bit AES-GCM nonce, base64. */
  readonly nonce: string;
  /** The AES-256-GCM ciphertext followed by its 16-byte tag, base64. */
  readonly ciphertext: string;
  readonly created: number;
  readonly updated: number;
  /** When it stops existing (unix seconds), or null. */
  readonly expires_at: number | null;
}

/** Filters for {@link StoreTransaction.listAppSecrets} (all optional, combined with AND). */
export interface AppSecretFilter {
  readonly developerAccountId?: string;
  readonly accountId?: string;
  readonly mode?: Mode;
  readonly scopeType?: AppSecretScopeType;
  readonly scopeUser?: string;
  readonly name?: string;
  /** Only secrets that still exist at this time (unix seconds): no expiry, or a later one. */
  readonly liveAt?: number;
  /** Only secrets encrypted under another data key than this one (key rotation). */
  readonly keyIdNot?: string;
  /** Only secrets whose id sorts after this one (batches). */
  readonly afterId?: string;
  readonly limit?: number;
}

/** The secret columns a flow may change (a replaced value, a re-encryption). */
export type AppSecretPatch = Partial<
  Pick<AppSecretRow, 'app_id' | 'key_id' | 'nonce' | 'ciphertext' | 'updated' | 'expires_at'>
>;

/** Unix-seconds range filter, Stripe's `created[gte]=…` shape. */
export interface TimeRange {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
}

/** Filters for {@link StoreTransaction.listInstalls} (all optional, combined with AND). */
export interface InstallFilter {
  readonly accountId?: string;
  readonly appId?: string;
  readonly mode?: Mode;
  readonly status?: InstallStatus;
  readonly approvalRequired?: boolean;
  readonly createdBy?: string;
  readonly created?: TimeRange;
  /** Return rows that sort after this one (newest first: `created` desc, then `id` desc). */
  readonly after?: { readonly created: number; readonly id: string };
  readonly limit?: number;
}

/** Filters for {@link StoreTransaction.listApps} (all optional, combined with AND). */
export interface AppFilter {
  readonly ownerAccountId?: string;
  readonly distributionType?: AppDistributionType;
  /** Only apps with a released version (true) or without one (false). */
  readonly released?: boolean;
  /** Only apps whose id sorts after this one (pages in id order). */
  readonly afterId?: string;
  readonly limit?: number;
}

/** Filters for {@link StoreTransaction.listKeys}. */
export interface KeyFilter {
  readonly accountId?: string;
  readonly appId?: string;
  readonly installId?: string;
  readonly kind?: KeyKind;
  readonly mode?: Mode;
  /** Only keys not revoked (expiry is the caller's business: it depends on the clock). */
  readonly unrevoked?: boolean;
}

/** Filters for {@link StoreTransaction.listEvents}. */
export interface EventFilter {
  readonly accountId?: string;
  readonly appId?: string;
  readonly type?: string;
  readonly mode?: Mode;
  readonly created?: TimeRange;
  /** Return events older than the one with this `seq` (newest first). */
  readonly beforeSeq?: number;
  readonly limit?: number;
}

/** `oauth_codes`: one authorization code (only its hash), bound to what it was issued for. */
export interface OAuthCodeRow {
  readonly id: string;
  /** Hex SHA-256 of the code. */
  readonly code_hash: string;
  readonly app_id: string;
  readonly account_id: string;
  readonly install_id: string;
  readonly mode: Mode;
  readonly redirect_uri: string;
  /** 1 when the authorization request named `redirect_uri` (the token request must repeat it). */
  readonly redirect_uri_given: number;
  /** The PKCE S256 challenge, or null. */
  readonly code_challenge: string | null;
  readonly created_by: string;
  readonly created: number;
  readonly expires_at: number;
  /** When it was redeemed (single use), or null. */
  readonly used: number | null;
  /** The grant its redemption started (revoked if the code is presented again). */
  readonly grant_id: string | null;
}

/** `oauth_grants`: one token family, started by redeeming a code. */
export interface OAuthGrantRow {
  readonly id: string;
  readonly app_id: string;
  readonly account_id: string;
  readonly install_id: string;
  readonly mode: Mode;
  /** 1 when the code was redeemed with the developer's secret key (refreshes then need it too). */
  readonly confidential: number;
  readonly created: number;
  readonly revoked: number | null;
  readonly revoked_reason: string | null;
}

/** `oauth_tokens`: an access or refresh token of a grant (only its hash). */
export interface OAuthTokenRow {
  readonly id: string;
  readonly grant_id: string;
  readonly kind: 'access' | 'refresh';
  readonly token_hash: string;
  /** The last four characters, for display. */
  readonly hint: string;
  readonly created: number;
  readonly expires_at: number;
  /** A refresh token: when it was rotated (used once). */
  readonly used: number | null;
  /** When this one token was revoked (RFC 7009 for an access token), or null. */
  readonly revoked: number | null;
}

/** The install columns a flow may change. */
export type InstallPatch = Partial<
  Pick<InstallRow, 'status' | 'permissions_granted' | 'permissions_pending' | 'shadow_mode' | 'updated'>
>;
/** The key columns a flow may change. */
export type KeyPatch = Partial<Pick<KeyRow, 'expires_at' | 'revoked' | 'rolled_to'>>;
/** The app columns a release may change. */
export type AppPatch = Partial<Pick<AppRow, 'name' | 'distribution_type' | 'current_version' | 'updated'>>;

/**
 * A change that caches must hear about. `reset` means "changes may have been missed, drop
 * everything" (a lost LISTEN connection, or another process writing a SQLite file).
 */
export type StoreChange =
  | { readonly kind: 'account' | 'app' | 'install' | 'key' | 'oauth_grant'; readonly id: string }
  | { readonly kind: 'reset' };

/** Called with each committed change (see {@link Store.onChange}). */
export type ChangeListener = (change: StoreChange) => void;

/** How {@link Store.transaction} runs. */
export interface TransactionOptions {
  /**
   * A read-only transaction sees one consistent snapshot and never waits for writers.
   * Write transactions (the default) are serialized: SQLite `BEGIN IMMEDIATE`, PostgreSQL a
   * row lock on the audit chain head taken first.
   */
  readonly readOnly?: boolean;
}

/** The operations available inside one transaction. */
export interface StoreTransaction {
  insertAccount(row: AccountRow): Promise<void>;
  getAccount(id: string): Promise<AccountRow | undefined>;
  listAccounts(): Promise<AccountRow[]>;

  insertApp(row: AppRow): Promise<void>;
  getApp(id: string): Promise<AppRow | undefined>;
  updateApp(id: string, patch: AppPatch): Promise<void>;
  /** Apps in id order. */
  listApps(filter: AppFilter): Promise<AppRow[]>;

  insertAppVersion(row: AppVersionRow): Promise<void>;
  getAppVersion(appId: string, version: string): Promise<AppVersionRow | undefined>;
  /** Records the first release of a version (versions are otherwise immutable). */
  setAppVersionReleased(appId: string, version: string, released: number): Promise<void>;
  /** Versions of an app in upload order. */
  listAppVersions(appId: string): Promise<AppVersionRow[]>;

  insertInstall(row: InstallRow): Promise<void>;
  getInstall(id: string): Promise<InstallRow | undefined>;
  /** The install of an app on an account in a mode with status `installed`, if any. */
  findActiveInstall(appId: string, accountId: string, mode: Mode): Promise<InstallRow | undefined>;
  listInstalls(filter: InstallFilter): Promise<InstallRow[]>;
  updateInstall(id: string, patch: InstallPatch): Promise<void>;

  insertKey(row: KeyRow): Promise<void>;
  getKey(id: string): Promise<KeyRow | undefined>;
  getKeyBySecretHash(secretHash: string): Promise<KeyRow | undefined>;
  listKeys(filter: KeyFilter): Promise<KeyRow[]>;
  updateKey(id: string, patch: KeyPatch): Promise<void>;

  insertEvent(row: NewEventRow): Promise<void>;
  getEvent(id: string): Promise<EventRow | undefined>;
  listEvents(filter: EventFilter): Promise<EventRow[]>;

  getAuditHead(): Promise<AuditHead>;
  /** Appends a row and moves the head; `row.seq` must be head + 1 and `row.prev_hash` the head's hash. */
  appendAudit(row: AuditRow): Promise<void>;
  /** Rows with `seq > afterSeq`, in order. */
  listAudit(afterSeq: number, limit: number): Promise<AuditRow[]>;

  /** The stored answer for `key` in `scope` if it was created at or after `since` (unix seconds). */
  getIdempotencyRecord(scope: string, key: string, since: number): Promise<IdempotencyRow | undefined>;
  /** Stores (or replaces an expired) answer for a key. */
  putIdempotencyRecord(row: IdempotencyRow): Promise<void>;
  /** Deletes answers created before `before` (unix seconds); returns how many. */
  pruneIdempotencyRecords(before: number): Promise<number>;

  /** Appends decisions (one batch from the decision log). */
  insertDecisions(rows: readonly NewDecisionRow[]): Promise<void>;
  /** Decisions newest first (`time` desc, then `seq` desc). */
  listDecisions(filter: DecisionFilter): Promise<DecisionRow[]>;
  /** Counts by outcome over `filter` (cursor and limit ignored), plus drops in its time range. */
  countDecisions(filter: DecisionFilter): Promise<DecisionCounts>;
  /** Records that the decision log dropped decisions. */
  insertDecisionDrop(row: DecisionDropRow): Promise<void>;
  /**
   * Deletes decisions older than `before` (ms), at most `limit` of them (oldest first) when
   * given, and the drop records and unauthenticated counts of minutes that ended by `before`;
   * returns how many decisions.
   */
  pruneDecisions(before: number, limit?: number): Promise<number>;
  /**
   * Adds counts of unauthenticated requests: a row for the same minute, reason and address as
   * a stored one adds to its count (one row each, however many batches brought it).
   */
  addUnauthenticatedCounts(rows: readonly UnauthenticatedCountRow[]): Promise<void>;
  /** Unauthenticated counts, newest minute first (then reason, then address). */
  listUnauthenticatedCounts(filter: UnauthenticatedFilter): Promise<UnauthenticatedCountRow[]>;
  /** How many bytes the decision log takes, and the range of decisions and minutes it holds. */
  decisionLogSize(): Promise<DecisionLogSize>;
  /** The time of the first decision whose `seq` is at least `seq`, if any (ms). */
  decisionTimeFrom(seq: number): Promise<number | undefined>;

  insertAppSecret(row: AppSecretRow): Promise<void>;
  getAppSecret(id: string): Promise<AppSecretRow | undefined>;
  /** Secrets in id order. */
  listAppSecrets(filter: AppSecretFilter): Promise<AppSecretRow[]>;
  updateAppSecret(id: string, patch: AppSecretPatch): Promise<void>;
  /** Deletes these secrets; returns how many existed. */
  deleteAppSecrets(ids: readonly string[]): Promise<number>;
  /** Deletes secrets that expired at or before `now` (unix seconds); returns how many. */
  deleteExpiredAppSecrets(now: number): Promise<number>;
  /** How many secrets each data key encrypts. */
  countAppSecretsByKey(): Promise<{ readonly keyId: string; readonly count: number }[]>;
  /** The data key new values are encrypted under, once one was chosen. */
  getAppSecretKeyId(): Promise<string | undefined>;
  setAppSecretKeyId(keyId: string): Promise<void>;

  insertUser(row: UserRow): Promise<void>;
  getUser(id: string): Promise<UserRow | undefined>;
  /** Users with this (lowercase) email on any account, oldest first. */
  listUsersByEmail(email: string): Promise<UserRow[]>;
  /** An account's users, oldest first. */
  listUsers(accountId: string): Promise<UserRow[]>;

  insertSession(row: SessionRow): Promise<void>;
  getSession(idHash: string): Promise<SessionRow | undefined>;
  updateSessionMode(idHash: string, mode: Mode): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Deletes sessions that expired at or before `now` (unix seconds); returns how many. */
  pruneSessions(now: number): Promise<number>;

  /** Queues a change notification, delivered to listeners only if the transaction commits. */
  notify(change: StoreChange): void;

  // ---- Team (issue 15, dashboard): changing and removing users, one-time invite and reset links.
  updateUser(
    id: string,
    patch: { readonly role?: UserRoleName; readonly password_hash?: string },
  ): Promise<void>;
  /** Deletes a user row (its sessions must be gone first: see {@link deleteUserSessions}). */
  deleteUser(id: string): Promise<void>;
  /** Ends every session of a user; returns how many there were. */
  deleteUserSessions(userId: string): Promise<number>;
  insertUserLink(row: UserLinkRow): Promise<void>;
  getUserLinkByHash(tokenHash: string): Promise<UserLinkRow | undefined>;
  /** An account's links, newest first (at most `limit`). */
  listUserLinks(accountId: string, limit: number): Promise<UserLinkRow[]>;
  /** Sets `used` or `revoked` of one link. */
  updateUserLink(id: string, patch: { readonly used?: number; readonly revoked?: number }): Promise<void>;
  /**
   * Marks a link used at `at` only if it is neither used nor revoked yet; false when another
   * transaction got there first (of two concurrent uses, exactly one wins).
   */
  claimUserLink(id: string, at: number): Promise<boolean>;

  // --- Operations (issue 15): readiness -------------------------------------------------

  /** The newest migration applied to this database (one trivial query; `/readyz` compares it). */
  schemaVersion(): Promise<number>;

  // ---- webhooks (migration 10)
  insertWebhookEndpoint(row: WebhookEndpointRow): Promise<void>;
  getWebhookEndpoint(id: string): Promise<WebhookEndpointRow | undefined>;
  /** An account's endpoints in one mode, newest first. */
  listWebhookEndpoints(accountId: string, mode: Mode): Promise<WebhookEndpointRow[]>;
  updateWebhookEndpoint(id: string, patch: WebhookEndpointPatch): Promise<void>;
  /** Deletes an endpoint with its deliveries and their attempts. */
  deleteWebhookEndpoint(id: string): Promise<void>;
  /** How many webhook signing secrets each data key seals. */
  countWebhookSecretsByKey(): Promise<{ readonly keyId: string; readonly count: number }[]>;
  /** Endpoints of any account whose secret is sealed under another data key than `keyId`, in id order. */
  listWebhookEndpointsNotUnderKey(
    keyId: string,
    limit: number,
    afterId?: string,
  ): Promise<WebhookEndpointRow[]>;
  /**
   * The enabled endpoints an event is sent to: the installing account's own (`connect` 0), and
   * the app developer's `connect` endpoints when the developer is another account.
   */
  listWebhookTargets(target: {
    accountId: string;
    appId: string | null;
    mode: Mode;
  }): Promise<WebhookEndpointRow[]>;
  insertWebhookDeliveries(rows: readonly WebhookDeliveryRow[]): Promise<void>;
  getWebhookDelivery(id: string): Promise<WebhookDeliveryRow | undefined>;
  updateWebhookDelivery(id: string, patch: WebhookDeliveryPatch): Promise<void>;
  /**
   * Claims due pending deliveries of enabled endpoints for one worker, oldest due first
   * (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: write transactions are serialized).
   */
  claimWebhookDeliveries(claim: WebhookClaim): Promise<ClaimedWebhookDelivery[]>;
  /** Whether any delivery could be claimed at `now` (ms): a cheap read before a claiming write. */
  hasDueWebhookDeliveries(now: number): Promise<boolean>;
  /** An endpoint's deliveries, newest first, before the cursor `(created, id)` when given. */
  listWebhookDeliveries(filter: {
    endpointId: string;
    limit: number;
    before?: { created: number; id: string };
  }): Promise<WebhookDeliveryRow[]>;
  insertWebhookAttempt(row: WebhookAttemptRow): Promise<void>;
  /** The attempts of these deliveries, in attempt order. */
  listWebhookAttempts(deliveryIds: readonly string[]): Promise<WebhookAttemptRow[]>;
  /**
   * Deletes up to `limit` finished deliveries (succeeded or failed) created before `before` (ms),
   * with their attempts; returns how many.
   */
  pruneWebhookDeliveries(before: number, limit: number): Promise<number>;

  // --- Decision rollups (issue 15, scale; migration 12) ---
  /**
   * How many decisions each context had in each of `ranges` (rows with a count of 0 left out),
   * over `filter`'s account, install, app, mode, outcome, route and permission (its time range,
   * cursor, request id and limit are ignored): whole minutes, hours and days from the rollups,
   * the partial minutes at each range's edges from the decisions. Exact, and a few index
   * lookups per range whatever the number of decisions.
   */
  countDecisionsByContext(filter: DecisionFilter, ranges: readonly TimeWindow[]): Promise<ContextCount[]>;
  /** The decision contexts with these ids (any order). */
  getDecisionContexts(ids: readonly number[]): Promise<DecisionContextRow[]>;
  /** Each context's newest decision (by time, then `seq`) in `window`: one row per context that has one. */
  latestDecisions(contextIds: readonly number[], window: TimeWindow): Promise<LatestDecision[]>;
  /**
   * Per path, how many decisions of these contexts `window` holds and the newest one's time (for
   * calls that matched no route, where the path is all there is to group by).
   */
  countDecisionPaths(contextIds: readonly number[], window: TimeWindow): Promise<PathCount[]>;

  // --- OAuth (issue 16; migration 13) ---
  insertOAuthCode(row: OAuthCodeRow): Promise<void>;
  getOAuthCodeByHash(codeHash: string): Promise<OAuthCodeRow | undefined>;
  /**
   * Marks a code used at `at`, recording the grant it starts, only if it was not used yet; false
   * when another redemption won (single use under concurrency).
   */
  claimOAuthCode(id: string, at: number, grantId: string): Promise<boolean>;
  /** Deletes codes that expired before `before` (unix seconds); returns how many. */
  pruneOAuthCodes(before: number): Promise<number>;
  /** Makes an install's unused, unexpired codes expire at `at` (its access was revoked); returns how many. */
  expireOAuthCodes(installId: string, at: number): Promise<number>;
  insertOAuthGrant(row: OAuthGrantRow): Promise<void>;
  getOAuthGrant(id: string): Promise<OAuthGrantRow | undefined>;
  /** An install's grants, newest first. */
  listOAuthGrants(installId: string): Promise<OAuthGrantRow[]>;
  /** Revokes a grant unless it already is; false when it was. */
  revokeOAuthGrant(id: string, at: number, reason: string): Promise<boolean>;
  insertOAuthToken(row: OAuthTokenRow): Promise<void>;
  getOAuthTokenByHash(tokenHash: string): Promise<OAuthTokenRow | undefined>;
  /**
   * Marks a refresh token used at `at`, and moves its expiry to `expiresAt` (it is kept that long
   * to recognise a reuse), only if it was not used; false when it already was (reuse).
   */
  claimOAuthToken(id: string, at: number, expiresAt: number): Promise<boolean>;
  /** Deletes tokens that expired before `before` (unix seconds); returns how many. */
  pruneOAuthTokens(before: number): Promise<number>;
  /** Revokes one token unless it already is; false when it was. */
  revokeOAuthToken(id: string, at: number): Promise<boolean>;
  /** The newest access token's expiry per grant. */
  latestOAuthAccessExpiry(grantIds: readonly string[]): Promise<Map<string, number>>;
}

/** A time range in milliseconds: `since` inclusive, `until` exclusive. */
export interface TimeWindow {
  readonly since: number;
  readonly until: number;
}

/** One row of {@link StoreTransaction.countDecisionsByContext}: `range` indexes the ranges asked for. */
export interface ContextCount {
  readonly range: number;
  readonly contextId: number;
  readonly count: number;
}

/** `decision_contexts`: what a decision shares with others (migration 8). */
export interface DecisionContextRow {
  readonly id: number;
  readonly account_id: string | null;
  readonly install_id: string | null;
  readonly app_id: string | null;
  readonly key_hint: string | null;
  readonly livemode: number;
  readonly method: string;
  readonly route: string | null;
  /** JSON: all-of groups of any-of permission names. */
  readonly requirement: string;
  readonly outcome: DecisionOutcome;
  /** JSON: the unmet groups. */
  readonly missing: string;
}

/** One row of {@link StoreTransaction.latestDecisions}. */
export interface LatestDecision {
  readonly contextId: number;
  readonly seq: number;
  /** Milliseconds. */
  readonly time: number;
}

/** One row of {@link StoreTransaction.countDecisionPaths}. */
export interface PathCount {
  readonly contextId: number;
  readonly path: string;
  readonly count: number;
  /** The newest decision's time (ms). */
  readonly latest: number;
}

/**
 * A database holding appscope's state. Open one with `openStore`.
 * @example
 * const store = await openStore('sqlite::memory:');
 * const account = await store.transaction((tx) => tx.getAccount('acct_123'), { readOnly: true });
 * await store.close();
 */
export interface Store {
  readonly dialect: StoreDialect;
  /** Where the store lives, with any password masked (for logs and `--json` output). */
  readonly location: string;
  /**
   * Runs `fn` in one transaction: commit when it resolves, roll back when it throws (the error
   * is rethrown). Driver failures are thrown as `ERR_STORE`, never swallowed. Transactions
   * cannot nest.
   */
  transaction<T>(fn: (tx: StoreTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Calls `listener` after a committed transaction changed accounts, apps, installs or keys —
   * in this process, and (PostgreSQL: LISTEN/NOTIFY; SQLite file: `data_version` polling) from
   * other processes. Returns an unsubscribe function.
   */
  onChange(listener: ChangeListener): () => void;
  close(): Promise<void>;
}

/** `prev_hash` of the first audit row: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

// ---- webhooks (migration 10)

/** Whether an endpoint is sent events. */
export type WebhookEndpointStatus = 'enabled' | 'disabled';

/** `webhook_endpoints`: one URL an account receives events at, in one mode. */
export interface WebhookEndpointRow {
  readonly id: string;
  readonly account_id: string;
  readonly mode: Mode;
  readonly url: string;
  readonly description: string | null;
  /** JSON array of event types, or `["*"]`. */
  readonly enabled_events: string;
  /** 1: events about installs of the account's own apps on other accounts (Stripe's `connect`). */
  readonly connect: number;
  readonly status: WebhookEndpointStatus;
  /** The data key sealing the signing secret, and the sealed secret. */
  readonly key_id: string;
  readonly nonce: string;
  readonly ciphertext: string;
  /** Milliseconds: when attempts started failing (null after a success, or before any failure). */
  readonly failing_since: number | null;
  readonly created: number;
  readonly updated: number;
}

export type WebhookEndpointPatch = Partial<
  Pick<
    WebhookEndpointRow,
    | 'url'
    | 'description'
    | 'enabled_events'
    | 'status'
    | 'failing_since'
    | 'updated'
    | 'key_id'
    | 'nonce'
    | 'ciphertext'
  >
>;

/** Where a delivery stands. */
export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** `webhook_deliveries`: one event to send to one endpoint. Times in milliseconds. */
export interface WebhookDeliveryRow {
  readonly id: string;
  readonly endpoint_id: string;
  readonly event_id: string;
  readonly status: WebhookDeliveryStatus;
  readonly attempts: number;
  readonly created: number;
  /** When it is due (pending), else null. */
  readonly next_attempt_at: number | null;
  readonly last_attempt_at: number | null;
  /** The worker holding it, until `claimed_until`; null when unclaimed. */
  readonly claimed_by: string | null;
  readonly claimed_until: number | null;
}

export type WebhookDeliveryPatch = Partial<
  Pick<
    WebhookDeliveryRow,
    'status' | 'attempts' | 'next_attempt_at' | 'last_attempt_at' | 'claimed_by' | 'claimed_until'
  >
>;

/** `webhook_attempts`: one HTTP request made for a delivery. */
export interface WebhookAttemptRow {
  readonly delivery_id: string;
  /** From 1. */
  readonly attempt: number;
  /** Milliseconds. */
  readonly at: number;
  /** The worker that made it. */
  readonly worker: string;
  /** The receiver's HTTP status; null when no response came (refused, timed out). */
  readonly http_status: number | null;
  readonly duration_ms: number;
  readonly error: string | null;
  /** The start of the response body (a few hundred characters at most). */
  readonly response: string | null;
}

/** A delivery a worker claimed, with what it needs to send it. */
export interface ClaimedWebhookDelivery {
  readonly delivery: WebhookDeliveryRow;
  readonly endpoint: WebhookEndpointRow;
  /** The event object as JSON text, exactly as stored. */
  readonly body: string;
}

/** Options of {@link StoreTransaction.claimWebhookDeliveries}. */
export interface WebhookClaim {
  readonly worker: string;
  /** Milliseconds: deliveries due at or before it, unclaimed or with a lease that ran out. */
  readonly now: number;
  readonly claimedUntil: number;
  readonly limit: number;
  /** The most deliveries of one endpoint in one claim (so that one slow endpoint cannot take every slot). */
  readonly perEndpoint?: number;
}
