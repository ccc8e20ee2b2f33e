interface Route<T> {
  readonly handler: T;
  /** The names of the route's `:name` segments, in order. */
  readonly names: readonly string[];
}

interface Node<T> {
  readonly statics: Map<string, Node<T>>;
  param?: Node<T>;
  readonly handlers: Map<string, Route<T>>;
}

/** A matched route: its handler and the decoded `:name` segments. */
export interface RouteMatch<T> {
  readonly handler: T;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * A small path router built once: static segments are map lookups, `:name` segments
 * capture one path segment, and matching costs one step per segment. Routes may name the
 * same parameter position differently (`/v1/customers/:id` and `/v1/customers/:customer/tax_ids`).
 * @example
 * const router = new Router<string>().add('GET', '/v1/customers/:id', 'retrieve');
 * router.match('GET', '/v1/customers/cus_1'); // { handler: 'retrieve', params: { id: 'cus_1' } }
 */
export class Router<T> {
  readonly #root: Node<T> = newNode();

  /** Adds a route; `path` looks like `/v1/customers/:id`. Throws on a duplicate. */
  add(method: string, path: string, handler: T): this {
    let node = this.#root;
    const names: string[] = [];
    for (const segment of path.split('/').slice(1)) {
      if (segment.startsWith(':')) {
        names.push(segment.slice(1));
        if (node.param === undefined) node.param = newNode();
        node = node.param;
      } else {
        let next = node.statics.get(segment);
        if (next === undefined) {
          next = newNode();
          node.statics.set(segment, next);
        }
        node = next;
      }
    }
    if (node.handlers.has(method)) throw new Error(`duplicate route ${method} ${path}`);
    node.handlers.set(method, { handler, names });
    return this;
  }

  /** Whether a route exists for exactly this method and pattern. */
  has(method: string, path: string): boolean {
    let node: Node<T> | undefined = this.#root;
    for (const segment of path.split('/').slice(1)) {
      node = segment.startsWith(':') ? node.param : node.statics.get(segment);
      if (node === undefined) return false;
    }
    return node.handlers.has(method);
  }

  /** Finds the handler for a method and path (no query); static segments win over parameters. */
  match(method: string, path: string): RouteMatch<T> | undefined {
    if (!path.startsWith('/')) return undefined;
    const segments = path.split('/');
    const values: string[] = [];
    const found = walk(this.#root, segments, 1, values, method);
    const route = found?.handlers.get(method);
    if (route === undefined) return undefined;
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => {
      params[name] = values[i]!;
    });
    return { handler: route.handler, params };
  }
}

function newNode<T>(): Node<T> {
  return { statics: new Map(), handlers: new Map() };
}

function walk<T>(
  node: Node<T>,
  segments: string[],
  i: number,
  values: string[],
  method: string,
): Node<T> | undefined {
  if (i === segments.length) return node.handlers.has(method) ? node : undefined;
  const segment = segments[i]!;
  const next = node.statics.get(segment);
  if (next !== undefined) {
    const found = walk(next, segments, i + 1, values, method);
    if (found !== undefined) return found;
  }
  if (node.param !== undefined && segment !== '') {
    let value: string;
    try {
      value = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    values.push(value);
    const found = walk(node.param, segments, i + 1, values, method);
    if (found !== undefined) return found;
    values.pop();
  }
  return undefined;
}
