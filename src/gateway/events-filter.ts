import type { PermissionSet } from '../core/catalog/permission-set.js';
import { type ParamObject, serializeParams } from '../core/params/params.js';
import { resourceMissing } from '../http/stripe-error.js';
import type { EventVisibility } from './event-visibility.js';
import type { Upstream, UpstreamJson, UpstreamRequest } from './upstream.js';

/**
 * `GET /v1/events` and `GET /v1/events/:id` for an app: only the events its install may read
 * (`event_read` plus one of the permissions listed for the event's type). A hidden event is a
 * 404 `resource_missing`, exactly as if it did not exist, also as a pagination cursor. A list
 * page is filled from further upstream pages (100 at a time, at most {@link MAX_EXTRA_PAGES})
 * so that `limit`, `has_more` and the cursors keep Stripe's meaning.
 */

/** Upstream pages read beyond the first to fill one filtered page. */
export const MAX_EXTRA_PAGES = 10;

interface EventLike {
  readonly id?: unknown;
  readonly type?: unknown;
}

interface ListLike {
  readonly object: 'list';
  readonly data: readonly EventLike[];
  readonly has_more: boolean;
  readonly [key: string]: unknown;
}

function isList(body: unknown): body is ListLike {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as ListLike).object === 'list' &&
    Array.isArray((body as ListLike).data) &&
    typeof (body as ListLike).has_more === 'boolean'
  );
}

/** What the event filter answers: a status, headers and a JSON body. */
export interface FilteredAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: unknown;
  /** The number of events withheld from the caller. */
  readonly hidden: number;
  /** For a hidden event: the permissions listed for its type (any one would show it). */
  readonly missing?: readonly string[];
}

function missingEvent(id: string, param: string, requestId: string): FilteredAnswer {
  const error = resourceMissing('event', id, param);
  return { status: 404, headers: { 'request-id': requestId }, body: error.toJSON(), hidden: 1 };
}

/** `GET /v1/events/:id`: the event, or a 404 when the install may not read it. */
export async function retrieveVisibleEvent(
  upstream: Upstream,
  request: UpstreamRequest,
  effective: PermissionSet,
  events: EventVisibility,
): Promise<FilteredAnswer> {
  const answer = await upstream.json(request);
  if (answer.status !== 200) return { ...answer, hidden: 0 };
  const event = answer.body as EventLike;
  if (events.visible(event?.type, effective)) return { ...answer, hidden: 0 };
  const id = decodeURIComponent(request.path.slice(request.path.lastIndexOf('/') + 1));
  const type = typeof event?.type === 'string' ? event.type : '';
  return { ...missingEvent(id, 'id', request.requestId), missing: events.permissionsFor(type) };
}

interface Pagination {
  readonly limit: number;
  readonly cursorParam: 'starting_after' | 'ending_before' | undefined;
  readonly cursor: string | undefined;
  /** The request's other parameters. */
  readonly rest: Record<string, ParamObject[string]>;
}

/** Pagination from the canonical parameters; undefined when they are not plain (the upstream then refuses them). */
function readPagination(params: ParamObject): Pagination | undefined {
  let limit = 10;
  let cursorParam: Pagination['cursorParam'];
  let cursor: string | undefined;
  const rest = Object.create(null) as Record<string, ParamObject[string]>;
  for (const name in params) {
    const value = params[name]!;
    if (name === 'limit') {
      if (typeof value !== 'string' || !/^\d{1,3}$/.test(value)) return undefined;
      limit = Number(value);
    } else if (name === 'starting_after' || name === 'ending_before') {
      if (cursorParam !== undefined || typeof value !== 'string') return undefined;
      cursorParam = name;
      cursor = value;
    } else rest[name] = value;
  }
  return { limit, cursorParam, cursor, rest };
}

/** `GET /v1/events`: a page of the events the install may read. */
export async function listVisibleEvents(
  upstream: Upstream,
  request: UpstreamRequest,
  effective: PermissionSet,
  events: EventVisibility,
): Promise<FilteredAnswer> {
  const page = readPagination(request.params);
  if (page?.cursor !== undefined && page.cursor !== '') {
    // a hidden event is no cursor: as if it did not exist
    const cursor = await upstream.json({
      ...request,
      path: `/v1/events/${encodeURIComponent(page.cursor)}`,
      query: '',
      params: Object.create(null) as ParamObject,
    });
    if (cursor.status === 200 && !events.visible((cursor.body as EventLike)?.type, effective)) {
      return missingEvent(page.cursor, page.cursorParam!, request.requestId);
    }
  }
  const first = await upstream.json(request);
  if (first.status !== 200 || !isList(first.body)) return { ...first, hidden: 0 };
  const visible = (event: EventLike): boolean => events.visible(event?.type, effective);
  let collected = first.body.data.filter(visible);
  let hidden = first.body.data.length - collected.length;
  if (hidden === 0) return { ...first, hidden: 0 };
  let hasMore = first.body.has_more;
  if (page !== undefined) {
    const backward = page.cursorParam === 'ending_before';
    let raw = first.body.data;
    for (let extra = 0; extra < MAX_EXTRA_PAGES && hasMore && collected.length <= page.limit; extra++) {
      const edge = backward ? raw[0] : raw[raw.length - 1];
      if (typeof edge?.id !== 'string') break;
      const params: ParamObject = {
        ...page.rest,
        limit: '100',
        [backward ? 'ending_before' : 'starting_after']: edge.id,
      };
      const next: UpstreamJson = await upstream.json({ ...request, params, query: serializeParams(params) });
      if (next.status !== 200 || !isList(next.body)) return { ...next, hidden };
      raw = next.body.data;
      const shown = raw.filter(visible);
      hidden += raw.length - shown.length;
      collected = backward ? [...shown, ...collected] : [...collected, ...shown];
      hasMore = next.body.has_more;
    }
    if (collected.length > page.limit) {
      hasMore = true;
      collected = backward ? collected.slice(collected.length - page.limit) : collected.slice(0, page.limit);
    }
  }
  return {
    status: 200,
    headers: first.headers,
    body: { ...first.body, data: collected, has_more: hasMore },
    hidden,
  };
}
