interface Node<T> {
  readonly statics: Map<string, Node<T>>;
  param?: { readonly name: string; readonly node: Node<T> };
  readonly handlers: Map<string, T>;
}

/** A matched route: its handler and the decoded `:name` segments. */
export interface RouteMatch<T> {
  readonly handler: T;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * A small path router built once: static segments are map lookups, `:name` segments
 * capture one path segment, and matching costs one step per segment.
 * @example
 * const router = new Router<string>().add('GET', '/v1/customers/:id', 'retrieve');
 * router.match('GET', '/v1/customers/cus_1'); // { handler: 'retrieve', params: { id: 'cus_1' } }
 */
export class Router<T> {
  readonly #root: Node<T> = newNode();

  /** Adds a route; `path` looks like `/v1/customers/:id`. Throws on a duplicate or a clashing parameter name. */
  add(method: string, path: string, handler: T): this {
    let node = this.#root;
    for (const segment of path.split('/').slice(1)) {
      if (segment.startsWith(':')) {
        const name = segment.slice(1);
        if (node.param === undefined) node.param = { name, node: newNode() };
        else if (node.param.name !== name) {
          throw new Error(`route ${method} ${path}: parameter :${name} clashes with :${node.param.name}`);
        }
        node = node.param.node;
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
    node.handlers.set(method, handler);
    return this;
  }

  /** Finds the handler for a method and path (no query); static segments win over parameters. */
  match(method: string, path: string): RouteMatch<T> | undefined {
    if (!path.startsWith('/')) return undefined;
    const segments = path.split('/');
    const params: Record<string, string> = {};
    const found = walk(this.#root, segments, 1, params);
    const handler = found?.handlers.get(method);
    return handler === undefined ? undefined : { handler, params };
  }
}

function newNode<T>(): Node<T> {
  return { statics: new Map(), handlers: new Map() };
}

function walk<T>(
  node: Node<T>,
  segments: string[],
  i: number,
  params: Record<string, string>,
): Node<T> | undefined {
  if (i === segments.length) return node;
  const segment = segments[i]!;
  const next = node.statics.get(segment);
  if (next !== undefined) {
    const found = walk(next, segments, i + 1, params);
    if (found !== undefined && found.handlers.size > 0) return found;
  }
  if (node.param !== undefined && segment !== '') {
    let value: string;
    try {
      value = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    const found = walk(node.param.node, segments, i + 1, params);
    if (found !== undefined) {
      params[node.param.name] = value;
      return found;
    }
  }
  return undefined;
}
