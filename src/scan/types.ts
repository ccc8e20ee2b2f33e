import type { RouteTable } from '../core/routes/route-table.js';
import type { SdkMethod } from '../core/routes/sdk-methods.js';

/**
 * The slice of the SDK method table (`src/core/routes/sdk-methods.ts`) the scanner uses: a
 * lookup by the member path relative to the client (`invoices.retrieve`,
 * `checkout.sessions.create`). `defaultSdkMethods()` is one.
 */
export interface SdkMethodLookup {
  find(call: string): SdkMethod | undefined;
}

/** What a scan resolves calls against. */
export interface ScanContext {
  readonly sdkMethods: SdkMethodLookup;
  readonly routes: RouteTable;
  /**
   * Skip parsing files whose text cannot hold anything the scanner reports (default true):
   * no `stripe` (any case), no `rawRequest` and no member chain ending in an SDK method. A
   * skipped file yields exactly what parsing it would (see `mayHaveFindings`).
   */
  readonly prefilter?: boolean;
}

/** A call the route table places: the operation it performs and what that requires. */
export interface ScanCall {
  readonly file: string;
  /** 1-based line and column of the call. */
  readonly line: number;
  readonly column: number;
  /**
   * How the call was made: `stripe.<sdk method>` for SDK calls whatever the client variable is
   * called (`stripe.invoices.retrieve`), `rawRequest`, or the HTTP function as written
   * (`fetch`, `axios.post`, `httpClient.makeRequest`).
   */
  readonly via: string;
  /** The route table's template: `GET /v1/invoices/{invoice}`. */
  readonly operation: string;
  /** The literal expand paths the call sends, as written (`data.customer` on a list). */
  readonly expand: readonly string[];
  /**
   * All-of groups, each a sorted any-of list of permissions: the route's group, then one per
   * expanded field. An empty group means no permission allows it (the endpoint or the
   * expanded object is not available to apps).
   */
  readonly requires: readonly (readonly string[])[];
}

/** Why a call, or a part of one, could not be placed. */
export type UnresolvedCode =
  /** `stripe[name].list()`: the member path is not known statically. */
  | 'computed_member'
  /** a member chain ending in an SDK method, on a receiver not known to be a Stripe client */
  | 'unknown_receiver'
  /** a member of a Stripe client that is not in the SDK method table */
  | 'unknown_method'
  /** `rawRequest` or an HTTP call whose path or method is not literal */
  | 'dynamic_path'
  | 'dynamic_method'
  /** the method and path match no route of the route table */
  | 'unknown_endpoint'
  /** an `expand` the route cannot expand, or one that is not a literal list of strings */
  | 'invalid_expand'
  | 'dynamic_expand'
  /** the file could not be parsed or read */
  | 'parse_error'
  | 'read_error';

export interface Unresolved {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The call as far as it could be read (`stripe.invoices.retrieve`, `client.invoices.retrieve`, `fetch`). */
  readonly via?: string;
  readonly code: UnresolvedCode;
  /** For people: lowercase, no trailing period, source text in backticks. */
  readonly reason: string;
}

export interface ScanResult {
  /** Sorted by file, line and column. */
  readonly calls: readonly ScanCall[];
  readonly unresolved: readonly Unresolved[];
}

export interface ScanPathsResult extends ScanResult {
  /** Source files read (parsed or skipped by the prefilter). */
  readonly files: number;
  /** Lines in those files. */
  readonly lines: number;
  /** Files the prefilter let through to the parser. */
  readonly parsed: number;
}
