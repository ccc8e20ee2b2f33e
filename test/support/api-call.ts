import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** What {@link apiCall} answers: the status, the parsed JSON body and the response headers. */
export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: OutgoingHttpHeaders;
}

/**
 * One call to appscope's own API (Install, apps, webhooks) through `inject`: the key as a Bearer
 * token, a form body when one is given, and any extra headers (e.g. `Idempotency-Key`).
 * @example
 * const { status, body } = await apiCall(server, 'POST', '/v1/apps/installs', key, 'app=com.example.crm');
 */
export async function apiCall<T = Record<string, unknown>>(
  server: FastifyInstance,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  key: string | undefined,
  body?: string,
  headers: Record<string, string> = {},
): Promise<ApiAnswer<T>> {
  const response = await server.inject({
    method,
    url,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { payload: body } : {}),
  });
  return { status: response.statusCode, body: response.json() as T, headers: response.headers };
}
