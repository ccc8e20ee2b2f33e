import type { FastifyRequest } from 'fastify';

/**
 * A submitted form (`application/x-www-form-urlencoded`, as browsers send it without
 * JavaScript), read from the raw body the server keeps.
 */
export class FormData {
  readonly #params: URLSearchParams;

  constructor(params: URLSearchParams) {
    this.#params = params;
  }

  /** The first value of a field, or undefined. */
  get(name: string): string | undefined {
    return this.#params.get(name) ?? undefined;
  }

  /** Every value of a field (checkboxes, repeated hidden fields). */
  all(name: string): string[] {
    return this.#params.getAll(name);
  }
}

/** The form of a request (an empty form when the body is missing or of another type). */
export function readForm(request: FastifyRequest): FormData {
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  const body = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
  return new FormData(new URLSearchParams(type === 'application/x-www-form-urlencoded' ? body : ''));
}

/** The query string of a request as single values (repeated names: the first). */
export function readQuery(request: FastifyRequest): FormData {
  const index = request.url.indexOf('?');
  return new FormData(new URLSearchParams(index < 0 ? '' : request.url.slice(index + 1)));
}
