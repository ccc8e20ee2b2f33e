import { visitorKeys } from 'oxc-parser';
import { ParamError, parseParams } from '../core/params/params.js';
import type { HttpMethod } from '../core/routes/format.js';
import { type Placed, type Problem, placeOperation } from './place.js';
import type { ScanContext, UnresolvedCode } from './types.js';

/**
 * The pure half of the scanner: one ESTree program (as oxc-parser gives it) in, the Stripe
 * calls it makes out. No I/O.
 *
 * A small scope tracker decides which expressions are Stripe clients. It knows:
 * - the `stripe` package: `import Stripe from 'stripe'`, `import { Stripe } from 'stripe'`,
 *   `import * as S from 'stripe'`, `require('stripe')` (and its `.Stripe` / `.default`),
 *   `import Stripe = require('stripe')`;
 * - clients: `new Stripe(k)`, `Stripe(k)`, `require('stripe')(k)`, anything typed `Stripe` or
 *   `Stripe.Stripe` (declarations, parameters, class fields, parameter properties, `as Stripe`,
 *   `Stripe | undefined`), functions declared to return `Stripe` or arrows whose body is a
 *   client, `a ?? new Stripe(k)`;
 * - parts of clients: `const s = stripe`, `const sessions = stripe.checkout.sessions`,
 *   `const { customers } = stripe`;
 * - `this.x` in a class: fields, parameter properties and `this.x = …` assignments (the
 *   constructor's are read first, so methods above it see them);
 * - `createHttpClient` from `@stripe/ui-extension-sdk` (its `makeRequest`);
 * - string constants, so that `${BASE}/customers` reads as a URL.
 *
 * Declarations are hoisted per block and evaluated lazily, so a client declared below the
 * function that uses it is found. A name bound to anything else shadows an outer client.
 * Everything else is unknown: precision over recall. A member chain on an unknown receiver
 * that ends in an SDK method (`client.invoices.retrieve(…)`) is reported as unresolved rather
 * than dropped; shorter chains (`list.create()`) are not, to keep the noise down.
 */

/** What the scanner knows an expression to be; `undefined` is unknown. */
type Value =
  /**
   * the `stripe` package's export: the client constructor and factory; or a class extending
   * it, whose own members (`own`) are not the SDK's
   */
  | { readonly kind: 'module'; readonly own?: ReadonlySet<string> }
  /** a client (`path` empty) or a part of one: `['checkout', 'sessions']` */
  | { readonly kind: 'client'; readonly path: readonly string[]; readonly own?: ReadonlySet<string> }
  /** an array literal or `Promise.all([…])` of one: its items by index */
  | { readonly kind: 'tuple'; readonly items: readonly (Value | undefined)[] }
  /** `stripe[name]`: a member of a client whose name is not known statically */
  | { readonly kind: 'computed'; readonly text: string }
  /** statically known text; {@link HOLE} stands for each part that is not */
  | { readonly kind: 'string'; readonly text: string }
  /** a function whose result is a client */
  | { readonly kind: 'factory' }
  /** `@stripe/ui-extension-sdk/http_client` (namespace or `require`) */
  | { readonly kind: 'uiSdk' }
  | { readonly kind: 'createHttpClient' }
  | { readonly kind: 'httpClient' }
  | { readonly kind: 'makeRequest'; readonly via: string }
  /**
   * another scanned file's module object, or an object literal it exports
   * (`module.exports = { stripe }`): its members the scanner knows something about;
   * `esModule` when it has ESM exports (its default import is its `default` member)
   */
  | { readonly kind: 'namespace'; readonly members: ReadonlyMap<string, Value>; readonly esModule: boolean }
  /** anything else the scanner knows to be something (it shadows outer names) */
  | { readonly kind: 'other' };

/**
 * What another scanned file exports that the scanner knows something about (clients, parts of
 * clients, functions returning one, the `stripe` module re-exported), as {@link moduleExports}
 * reads it; opaque outside this file.
 */
export type ModuleExports = Value;

/**
 * The exports of the files a program imports by relative specifier (`./client`), when they
 * are known (`scanPaths` resolves them among the files it scans); undefined for a specifier
 * that does not resolve or whose module exports nothing the scanner knows.
 */
export type ImportedModules = (specifier: string) => ModuleExports | undefined;

/** The text of an expression in a template literal or a concatenation that cannot be read. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder reads as the template it stands for
export const HOLE = '${…}';

// biome-ignore lint/suspicious/noExplicitAny: ESTree nodes are read structurally
type Node = any;

interface Binding {
  /** evaluate this (in `scope`) for the value, then follow `path` (destructuring) */
  readonly init?: Node;
  readonly path?: readonly string[];
  /** a type annotation node (`TSTypeAnnotation`) */
  readonly type?: Node;
  readonly scope: Scope;
  /** `this` where the binding was declared (a class's, or null), for evaluating `init` */
  readonly thisInfo?: ClassInfo | null;
  /** set for imports, and once evaluated */
  value?: Value | undefined;
  state: 'pending' | 'evaluating' | 'done';
}

class Scope {
  readonly vars = new Map<string, Binding>();
  constructor(readonly parent: Scope | undefined) {}

  lookup(name: string): Binding | undefined {
    for (let scope: Scope | undefined = this; scope !== undefined; scope = scope.parent) {
      const found = scope.vars.get(name);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

/** `this` inside a class body: its fields by name (`#x` for private names). */
interface ClassInfo {
  readonly fields: Map<string, Binding>;
}

/** What the analysis reports, positions as source offsets. */
export interface Finding {
  readonly offset: number;
  readonly via: string;
  readonly placed?: Placed;
  readonly problem?: Problem;
}

const OTHER: Value = { kind: 'other' };
const MODULE: Value = { kind: 'module' };
const CLIENT: Value = { kind: 'client', path: [] };
const FACTORY: Value = { kind: 'factory' };
/** A key of a binding's path that is an array index (`const [a, b] = …`): never a property name. */
const INDEX = '\u0000';
/**
 * CommonJS interop helpers that compilers define in each file they emit, recognised by name
 * when their argument is the `stripe` module or a scanned file's exports: TypeScript's
 * `__importDefault` and `__importStar`, Babel's `_interopRequireDefault` and
 * `_interopRequireWildcard`, esbuild's `__toESM`. Each gives something whose `default`
 * (and, for the module, `Stripe`) is what was required.
 */
const INTEROP_HELPERS: ReadonlySet<string> = new Set([
  '__importDefault',
  '__importStar',
  '_interopRequireDefault',
  '_interopRequireWildcard',
  '__toESM',
]);

const STRIPE_HOST = 'https://api.stripe.com';
const HTTP_VERBS: ReadonlyMap<string, HttpMethod> = new Map([
  ['get', 'GET'],
  ['post', 'POST'],
  ['put', 'PUT'],
  ['patch', 'PATCH'],
  ['delete', 'DELETE'],
  ['head', 'GET'],
]);
/** expressions that can be a URL the scanner reads: literals, templates, concatenations, constants */
const URL_NODES: ReadonlySet<string> = new Set([
  'Literal',
  'TemplateLiteral',
  'BinaryExpression',
  'Identifier',
]);
const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
/** keys holding only types: never walked */
const TYPE_KEYS: ReadonlySet<string> = new Set([
  'typeAnnotation',
  'returnType',
  'typeParameters',
  'typeArguments',
  'superTypeArguments',
]);
const TYPE_ONLY: ReadonlySet<string> = new Set([
  'TSInterfaceDeclaration',
  'TSTypeAliasDeclaration',
  'TSDeclareFunction',
  'ImportDeclaration',
  'ExportAllDeclaration',
]);

/**
 * Members of a client that make no API request (or are not in the SDK method table on
 * purpose): calling them is neither a call nor unresolved.
 */
function isLocalClientMember(path: readonly string[]): boolean {
  const first = path[0]!;
  if (first === 'webhooks' || first === 'errors' || first === 'StripeResource') return true;
  return path.length === 1 && /^(on|off|once|(set|get|create)[A-Z_]\w*|_\w*)$/.test(first);
}

/**
 * Runs the analysis over one program. `imports` gives the exports of the other files it
 * imports (`import { stripe } from './client'`, `require('./client')`); without it, every
 * binding imported from a file other than `stripe`'s packages is unknown.
 */
export function analyzeProgram(program: Node, context: ScanContext, imports?: ImportedModules): Finding[] {
  return new Analyzer(context, imports).run(program);
}

/**
 * What a program exports that the scanner knows something about: ESM named and default
 * exports (declarations, `export { a as b }`, `export … from`, `export *`), CommonJS
 * `module.exports = …`, `module.exports.x = …` and `exports.x = …` at the top level, and
 * TypeScript's `export =`. Undefined when it exports nothing of the kind.
 */
export function moduleExports(
  program: Node,
  context: ScanContext,
  imports?: ImportedModules,
): ModuleExports | undefined {
  return new Analyzer(context, imports).exports(program);
}

class Analyzer {
  readonly #context: ScanContext;
  readonly #findings: Finding[] = [];
  /** `this` of the function being walked: a class's, or null outside classes and in plain functions */
  readonly #thisStack: (ClassInfo | null)[] = [null];
  readonly #imports: ImportedModules | undefined;

  constructor(context: ScanContext, imports: ImportedModules | undefined) {
    this.#context = context;
    this.#imports = imports;
  }

  run(program: Node): Finding[] {
    const scope = new Scope(undefined);
    this.#hoist(program.body, scope);
    for (const statement of program.body) this.#visit(statement, scope);
    return this.#findings;
  }

  exports(program: Node): ModuleExports | undefined {
    const scope = new Scope(undefined);
    this.#hoist(program.body, scope);
    const members = new Map<string, Value>();
    const set = (name: string, value: Value | undefined): void => {
      if (isKnown(value)) members.set(name, value);
    };
    let esModule = false;
    let assigned: Value | undefined; // `module.exports = …`
    const cjs = (name: string): boolean => scope.lookup(name) === undefined;
    for (const statement of program.body) {
      switch (statement.type) {
        case 'ExportNamedDeclaration': {
          esModule = true;
          const declaration = statement.declaration;
          if (declaration?.type === 'VariableDeclaration') {
            for (const declarator of declaration.declarations) {
              for (const name of boundNames(declarator.id)) set(name, this.#lookup(name, scope));
            }
          } else if (declaration?.id?.type === 'Identifier') {
            set(declaration.id.name, this.#lookup(declaration.id.name, scope));
          } else if (statement.source != null) {
            const from = this.#required(statement.source.value);
            for (const specifier of statement.specifiers) {
              set(exportName(specifier.exported), importName(from, exportName(specifier.local)));
            }
          } else {
            for (const specifier of statement.specifiers) {
              const local = specifier.local;
              if (local.type === 'Identifier')
                set(exportName(specifier.exported), this.#lookup(local.name, scope));
            }
          }
          break;
        }
        case 'ExportDefaultDeclaration': {
          esModule = true;
          const declaration = statement.declaration;
          if (declaration.type === 'FunctionDeclaration' || declaration.type === 'TSDeclareFunction') {
            set(
              'default',
              declaration.id == null
                ? this.#functionValue(declaration, scope)
                : this.#lookup(declaration.id.name, scope),
            );
          } else if (declaration.type === 'ClassDeclaration') {
            set(
              'default',
              declaration.id == null
                ? this.#classValue(declaration, scope)
                : this.#lookup(declaration.id.name, scope),
            );
          } else if (declaration.type !== 'TSInterfaceDeclaration') {
            set('default', this.#evaluate(declaration, scope));
          }
          break;
        }
        case 'ExportAllDeclaration': {
          esModule = true;
          const from = this.#required(statement.source.value);
          if (statement.exported != null) set(exportName(statement.exported), from);
          else if (from?.kind === 'namespace') {
            // `export *` leaves out `default` and never overrides a name the module exports itself
            for (const [name, value] of from.members)
              if (name !== 'default' && !members.has(name)) set(name, value);
          }
          break;
        }
        case 'TSExportAssignment':
          assigned = this.#evaluate(statement.expression, scope);
          break;
        case 'ExpressionStatement': {
          const expression = statement.expression;
          if (expression.type !== 'AssignmentExpression') break;
          this.#assign(expression, scope); // `let stripe; stripe = new Stripe(k)` at the top level
          if (expression.operator !== '=') break;
          const left = expression.left;
          if (isMember(left, 'module', 'exports') && cjs('module')) {
            assigned = this.#objectOrValue(expression.right, scope);
          } else if (left.type === 'MemberExpression') {
            const name = propertyName(left.property, left.computed);
            if (
              name !== undefined &&
              ((isMember(left.object, 'module', 'exports') && cjs('module')) ||
                (left.object.type === 'Identifier' && left.object.name === 'exports' && cjs('exports')))
            ) {
              set(name, this.#evaluate(expression.right, scope));
            }
          }
          break;
        }
      }
    }
    if (assigned?.kind === 'namespace') {
      return { kind: 'namespace', members: new Map([...assigned.members, ...members]), esModule: false };
    }
    if (isKnown(assigned)) return assigned;
    return members.size === 0 ? undefined : { kind: 'namespace', members, esModule };
  }

  /** `{ stripe, billing: client }` as a namespace of its known members; anything else evaluated. */
  #objectOrValue(node: Node, scope: Scope): Value | undefined {
    const object = unwrap(node);
    if (object?.type !== 'ObjectExpression') return this.#evaluate(node, scope);
    const members = new Map<string, Value>();
    for (const property of object.properties) {
      if (property.type !== 'Property' || property.kind !== 'init') continue;
      const name = propertyName(property.key, property.computed);
      const value = name === undefined ? undefined : this.#evaluate(property.value, scope);
      if (name !== undefined && isKnown(value)) members.set(name, value);
    }
    return members.size === 0 ? undefined : { kind: 'namespace', members, esModule: false };
  }

  // ---- declarations --------------------------------------------------------------------

  /** Declares the names a block's statements bind, before any of them is walked. */
  #hoist(statements: readonly Node[], scope: Scope): void {
    for (let statement of statements) {
      if (
        (statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration') &&
        statement.declaration != null
      ) {
        statement = statement.declaration;
      }
      switch (statement.type) {
        case 'VariableDeclaration':
          for (const declarator of statement.declarations)
            this.#declarePattern(declarator.id, scope, declarator.init);
          break;
        case 'FunctionDeclaration':
        case 'TSDeclareFunction':
        case 'ClassDeclaration':
          // evaluated lazily: a function's returns and a class's superclass may name later declarations
          if (statement.id != null) {
            scope.vars.set(statement.id.name, {
              init: statement,
              scope,
              thisInfo: this.#thisStack[this.#thisStack.length - 1] ?? null,
              state: 'pending',
            });
          }
          break;
        case 'TSEnumDeclaration':
        case 'TSModuleDeclaration':
          if (statement.id?.type === 'Identifier') scope.vars.set(statement.id.name, done(scope, OTHER));
          break;
        case 'ImportDeclaration':
          this.#declareImport(statement, scope);
          break;
        case 'TSImportEqualsDeclaration': {
          const ref = statement.moduleReference;
          const source = ref?.type === 'TSExternalModuleReference' ? ref.expression?.value : undefined;
          scope.vars.set(statement.id.name, done(scope, this.#required(source) ?? OTHER));
          break;
        }
      }
    }
  }

  /** What `require(source)` gives: `stripe`'s packages, or another scanned file's exports. */
  #required(source: unknown): Value | undefined {
    const module = moduleValue(source);
    if (module !== undefined || typeof source !== 'string') return module;
    // requiring an ES module gives its namespace; a CommonJS module, what it assigned
    return this.#imports?.(source);
  }

  #declareImport(statement: Node, scope: Scope): void {
    const source: string = statement.source.value;
    const module = moduleValue(source);
    const imported = module === undefined ? this.#imports?.(source) : undefined;
    for (const specifier of statement.specifiers) {
      let value: Value = OTHER;
      if (imported !== undefined) {
        value =
          (specifier.type === 'ImportNamespaceSpecifier'
            ? imported
            : importName(
                imported,
                specifier.type === 'ImportSpecifier' ? importedName(specifier) : 'default',
              )) ?? OTHER;
      } else if (module?.kind === 'module') {
        if (specifier.type !== 'ImportSpecifier') value = MODULE;
        else {
          const imported = importedName(specifier);
          if (imported === 'Stripe' || imported === 'default') value = MODULE;
        }
      } else if (module?.kind === 'uiSdk') {
        if (specifier.type === 'ImportNamespaceSpecifier') value = module;
        else if (specifier.type === 'ImportSpecifier' && importedName(specifier) === 'createHttpClient') {
          value = { kind: 'createHttpClient' };
        }
      }
      scope.vars.set(specifier.local.name, done(scope, value));
    }
  }

  /**
   * Declares every name a pattern binds. Names in an object pattern follow their key path
   * into the initializer (`const { checkout: { sessions } } = stripe`); names in array
   * patterns and rest elements are unknown.
   */
  #declarePattern(pattern: Node, scope: Scope, init: Node, path: readonly string[] = []): void {
    switch (pattern.type) {
      case 'Identifier':
        scope.vars.set(pattern.name, {
          init,
          path,
          type: pattern.typeAnnotation ?? undefined,
          scope,
          thisInfo: this.#thisStack[this.#thisStack.length - 1] ?? null,
          state: 'pending',
        });
        return;
      case 'AssignmentPattern':
        // a default applies only when the value is undefined: the initializer wins when known
        this.#declarePattern(pattern.left, scope, init ?? pattern.right, init == null ? [] : path);
        return;
      case 'ObjectPattern':
        for (const property of pattern.properties) {
          if (property.type === 'RestElement') {
            this.#declarePattern(property.argument, scope, undefined);
            continue;
          }
          const key = propertyName(property.key, property.computed);
          this.#declarePattern(property.value, scope, key === undefined ? undefined : init, [
            ...path,
            key ?? '',
          ]);
        }
        return;
      case 'ArrayPattern':
        // `const [stripe, order] = await Promise.all([getStripe(), …])`: items by index
        pattern.elements.forEach((element: Node, i: number) => {
          if (element == null) return;
          if (element.type === 'RestElement') this.#declarePattern(element, scope, undefined);
          else this.#declarePattern(element, scope, init, [...path, `${INDEX}${i}`]);
        });
        return;
      case 'RestElement':
        this.#declarePattern(pattern.argument, scope, undefined);
        return;
      case 'TSParameterProperty':
        this.#declarePattern(pattern.parameter, scope, init, path);
        return;
    }
  }

  #value(binding: Binding): Value | undefined {
    if (binding.state === 'done') return binding.value;
    if (binding.state === 'evaluating') return undefined; // `const a = b, b = a`
    binding.state = 'evaluating';
    let value: Value | undefined;
    const pushed = binding.thisInfo !== undefined;
    if (pushed) this.#thisStack.push(binding.thisInfo);
    if (binding.type !== undefined && this.#isStripeType(binding.type.typeAnnotation, binding.scope)) {
      value = CLIENT;
    } else if (binding.init != null) {
      value = this.#evaluate(binding.init, binding.scope);
      for (const key of binding.path ?? []) value = key === '' ? undefined : member(value, key);
    }
    if (pushed) this.#thisStack.pop();
    // a declared name is something: it shadows outer clients even when its value is unknown
    binding.value = value ?? (binding.init == null && binding.type === undefined ? undefined : OTHER);
    binding.state = 'done';
    return binding.value;
  }

  #lookup(name: string, scope: Scope): Value | undefined {
    const binding = scope.lookup(name);
    return binding === undefined ? undefined : this.#value(binding);
  }

  /** `Stripe`, `Stripe.Stripe`, `S.Stripe` (namespace import), optionally `| null | undefined`. */
  #isStripeType(type: Node, scope: Scope): boolean {
    if (type == null) return false;
    switch (type.type) {
      case 'TSTypeReference': {
        const name = type.typeName;
        if (name.type === 'Identifier') return this.#lookup(name.name, scope)?.kind === 'module';
        return (
          name.type === 'TSQualifiedName' &&
          name.left.type === 'Identifier' &&
          name.right.name === 'Stripe' &&
          this.#lookup(name.left.name, scope)?.kind === 'module'
        );
      }
      case 'TSUnionType': {
        let found = false;
        for (const part of type.types) {
          if (part.type === 'TSNullKeyword' || part.type === 'TSUndefinedKeyword') continue;
          if (!this.#isStripeType(part, scope)) return false;
          found = true;
        }
        return found;
      }
      case 'TSParenthesizedType':
        return this.#isStripeType(type.typeAnnotation, scope);
    }
    return false;
  }

  /** A function whose result is a client: declared to return `Stripe` (or a promise of one), or an arrow whose body is a client. */
  #functionValue(fn: Node, scope: Scope): Value {
    const returns = fn.returnType?.typeAnnotation;
    if (returns != null) {
      if (this.#isStripeType(returns, scope)) return FACTORY;
      if (
        returns.type === 'TSTypeReference' &&
        returns.typeName.type === 'Identifier' &&
        returns.typeName.name === 'Promise' &&
        returns.typeArguments?.params.length === 1 &&
        this.#isStripeType(returns.typeArguments.params[0], scope)
      ) {
        return FACTORY;
      }
    }
    if (fn.body == null) return OTHER;
    const inner = new Scope(scope);
    // a plain function has its own `this` (a method's is pushed by its binding)
    const own = fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression';
    if (own) this.#thisStack.push(null);
    try {
      for (const param of fn.params) this.#declarePattern(param, inner, undefined);
      if (fn.type === 'ArrowFunctionExpression' && fn.expression) {
        return isWholeClient(this.#evaluate(fn.body, inner)) ? FACTORY : OTHER;
      }
      // every `return` with a value gives a client (`return null` and `return;` aside)
      const returns: { node: Node; scope: Scope }[] = [];
      this.#hoist(fn.body.body, inner);
      for (const statement of fn.body.body) this.#returns(statement, inner, returns);
      let found = false;
      for (const { node, scope: at } of returns) {
        if (isNothing(node)) continue;
        if (!isWholeClient(this.#evaluate(node, at))) return OTHER;
        found = true;
      }
      return found ? FACTORY : OTHER;
    } finally {
      if (own) this.#thisStack.pop();
    }
  }

  /** The `return` arguments of a function body (not of the functions nested in it), each with its scope. */
  #returns(node: Node, scope: Scope, out: { node: Node; scope: Scope }[]): void {
    switch (node?.type) {
      case 'ReturnStatement':
        out.push({ node: node.argument, scope });
        return;
      case 'BlockStatement': {
        const inner = new Scope(scope);
        this.#hoist(node.body, inner);
        for (const statement of node.body) this.#returns(statement, inner, out);
        return;
      }
      case 'IfStatement':
        this.#returns(node.consequent, scope, out);
        this.#returns(node.alternate, scope, out);
        return;
      case 'TryStatement':
        this.#returns(node.block, scope, out);
        if (node.handler != null) {
          const inner = new Scope(scope);
          if (node.handler.param != null) this.#declarePattern(node.handler.param, inner, undefined);
          this.#returns(node.handler.body, inner, out);
        }
        this.#returns(node.finalizer, scope, out);
        return;
      case 'SwitchStatement': {
        const inner = new Scope(scope);
        for (const c of node.cases) this.#hoist(c.consequent, inner);
        for (const c of node.cases)
          for (const statement of c.consequent) this.#returns(statement, inner, out);
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const inner = new Scope(scope);
        const head = node.type === 'ForStatement' ? node.init : node.left;
        if (head?.type === 'VariableDeclaration') {
          for (const declarator of head.declarations) this.#declarePattern(declarator.id, inner, undefined);
        }
        this.#returns(node.body, inner, out);
        return;
      }
      case 'WhileStatement':
      case 'DoWhileStatement':
      case 'LabeledStatement':
      case 'WithStatement':
        this.#returns(node.body, scope, out);
        return;
    }
  }

  /** `class X extends Stripe { … }`: a constructor of clients whose own members are not the SDK's. */
  #classValue(node: Node, scope: Scope): Value {
    if (node.superClass == null) return OTHER;
    const base = this.#evaluate(node.superClass, scope);
    if (base?.kind !== 'module') return OTHER;
    const own = new Set<string>(base.own);
    for (const item of node.body.body) {
      if (item.static || item.key == null) continue;
      const name = propertyName(item.key, item.computed);
      if (name !== undefined && name !== 'constructor') own.add(name);
    }
    return { kind: 'module', own };
  }

  // ---- expressions ---------------------------------------------------------------------

  #evaluate(node: Node, scope: Scope): Value | undefined {
    switch (node.type) {
      case 'Identifier':
        return this.#lookup(node.name, scope);
      case 'ParenthesizedExpression':
      case 'TSNonNullExpression':
      case 'ChainExpression':
      case 'TSInstantiationExpression':
        return this.#evaluate(node.expression, scope);
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSTypeAssertion':
        if (this.#isStripeType(node.typeAnnotation, scope)) return CLIENT;
        return this.#evaluate(node.expression, scope);
      case 'Literal':
        return typeof node.value === 'string' ? { kind: 'string', text: node.value } : OTHER;
      case 'TemplateLiteral': {
        let text = '';
        node.quasis.forEach((quasi: Node, i: number) => {
          text += quasi.value.cooked ?? quasi.value.raw;
          const expression = node.expressions[i];
          if (expression !== undefined) {
            const value = this.#evaluate(expression, scope);
            text += value?.kind === 'string' ? value.text : HOLE;
          }
        });
        return { kind: 'string', text };
      }
      case 'BinaryExpression': {
        if (node.operator !== '+') return undefined;
        const left = this.#evaluate(node.left, scope);
        const right = this.#evaluate(node.right, scope);
        if (left?.kind !== 'string' && right?.kind !== 'string') return undefined;
        const text = (value: Value | undefined): string => (value?.kind === 'string' ? value.text : HOLE);
        return { kind: 'string', text: text(left) + text(right) };
      }
      case 'NewExpression':
        return clientOf(this.#evaluate(node.callee, scope));
      case 'CallExpression': {
        const callee = node.callee;
        if (callee.type === 'Identifier') {
          if (callee.name === 'require' && scope.lookup('require') === undefined) {
            const source = node.arguments[0];
            return source?.type === 'Literal' ? this.#required(source.value) : undefined;
          }
          if (INTEROP_HELPERS.has(callee.name) && node.arguments.length >= 1) {
            // compiled CommonJS interop, by name (each compiled file defines its own copy)
            const value = this.#evaluate(node.arguments[0], scope);
            return value?.kind === 'module' || value?.kind === 'namespace' ? value : undefined;
          }
        }
        if (
          callee.type === 'MemberExpression' &&
          isMember(callee, 'Promise', 'all') &&
          scope.lookup('Promise') === undefined
        ) {
          const items = node.arguments[0];
          return items === undefined ? undefined : this.#evaluate(items, scope);
        }
        const value = this.#evaluate(callee, scope);
        if (value?.kind === 'module') return clientOf(value);
        if (value?.kind === 'factory') return CLIENT;
        if (value?.kind === 'createHttpClient') return { kind: 'httpClient' };
        return undefined;
      }
      case 'AwaitExpression': {
        // `await getStripe()` of a function returning a client or a promise of one
        const value = this.#evaluate(node.argument, scope);
        if (value?.kind === 'tuple') {
          return {
            kind: 'tuple',
            items: value.items.map((item) => (item?.kind === 'client' ? item : undefined)),
          };
        }
        return value?.kind === 'client' ? value : undefined;
      }
      case 'SequenceExpression':
        // `(0, stripe_1.default)(key)`, as compilers call an imported function
        return this.#evaluate(node.expressions[node.expressions.length - 1], scope);
      case 'ArrayExpression': {
        const items: (Value | undefined)[] = [];
        for (const element of node.elements) {
          if (element?.type === 'SpreadElement') break; // later indexes unknown
          items.push(element == null ? undefined : this.#evaluate(element, scope));
        }
        return { kind: 'tuple', items };
      }
      case 'ClassDeclaration':
      case 'ClassExpression':
        return this.#classValue(node, scope);
      case 'MemberExpression': {
        if (node.object.type === 'ThisExpression') {
          const name = propertyName(node.property, node.computed);
          const info = this.#thisStack[this.#thisStack.length - 1];
          const field = name === undefined ? undefined : info?.fields.get(name);
          return field === undefined ? undefined : this.#value(field);
        }
        const object = this.#evaluate(node.object, scope);
        if (object === undefined) return undefined;
        const name = propertyName(node.property, node.computed);
        if (name === undefined) {
          return object.kind === 'client'
            ? { kind: 'computed', text: `${['stripe', ...object.path].join('.')}[…]` }
            : undefined;
        }
        if (object.kind === 'computed') return { kind: 'computed', text: `${object.text}.${name}` };
        if (object.kind === 'httpClient' && name === 'makeRequest') {
          return { kind: 'makeRequest', via: calleeText(node) };
        }
        return member(object, name);
      }
      case 'LogicalExpression':
      case 'ConditionalExpression': {
        // `options.stripe ?? new Stripe(k)`: a client when one side is and the other is not known to be something else
        const a = this.#evaluate(node.type === 'LogicalExpression' ? node.left : node.consequent, scope);
        const b = this.#evaluate(node.type === 'LogicalExpression' ? node.right : node.alternate, scope);
        if (a?.kind === 'client' && a.path.length === 0 && (b === undefined || b.kind === 'client')) return a;
        if (b?.kind === 'client' && b.path.length === 0 && a === undefined) return b;
        return undefined;
      }
      case 'FunctionDeclaration':
      case 'TSDeclareFunction':
      case 'ArrowFunctionExpression':
      case 'FunctionExpression':
        return this.#functionValue(node, scope);
    }
    return undefined;
  }

  // ---- walking -------------------------------------------------------------------------

  #visit(node: Node, scope: Scope): void {
    switch (node.type) {
      case 'BlockStatement':
      case 'StaticBlock': {
        const inner = new Scope(scope);
        this.#hoist(node.body, inner);
        for (const statement of node.body) this.#visit(statement, inner);
        return;
      }
      case 'SwitchStatement': {
        this.#visit(node.discriminant, scope);
        const inner = new Scope(scope);
        for (const c of node.cases) this.#hoist(c.consequent, inner);
        for (const c of node.cases) this.#children(c, inner);
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const inner = new Scope(scope);
        const head = node.type === 'ForStatement' ? node.init : node.left;
        if (head?.type === 'VariableDeclaration') {
          for (const declarator of head.declarations) {
            this.#declarePattern(
              declarator.id,
              inner,
              node.type === 'ForStatement' ? declarator.init : undefined,
            );
          }
        }
        this.#children(node, inner);
        return;
      }
      case 'CatchClause': {
        const inner = new Scope(scope);
        if (node.param != null) this.#declarePattern(node.param, inner, undefined);
        this.#visit(node.body, inner);
        return;
      }
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        this.#visitFunction(node, scope, node.type === 'ArrowFunctionExpression' ? undefined : null);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression':
        this.#visitClass(node, scope);
        return;
      case 'AssignmentExpression':
        this.#assign(node, scope);
        this.#children(node, scope);
        return;
      case 'CallExpression':
        this.#children(node, scope);
        this.#call(node, scope);
        return;
      default:
        if (TYPE_ONLY.has(node.type)) return;
        this.#children(node, scope);
    }
  }

  #children(node: Node, scope: Scope): void {
    const keys = visitorKeys[node.type];
    if (keys === undefined) return;
    for (const key of keys) {
      if (TYPE_KEYS.has(key)) continue;
      const child = node[key];
      if (child == null) continue;
      if (Array.isArray(child)) {
        for (const item of child) if (item != null && typeof item.type === 'string') this.#visit(item, scope);
      } else if (typeof child.type === 'string') this.#visit(child, scope);
    }
  }

  /** `thisInfo`: undefined keeps the enclosing `this` (arrows), null has none, a class's for its methods. */
  #visitFunction(fn: Node, scope: Scope, thisInfo: ClassInfo | null | undefined): void {
    const inner = new Scope(scope);
    for (const param of fn.params) {
      this.#declarePattern(param, inner, undefined);
      this.#visit(param, inner); // default values
    }
    if (thisInfo !== undefined) this.#thisStack.push(thisInfo);
    const body = fn.body;
    if (body?.type === 'BlockStatement') {
      this.#hoist(body.body, inner);
      for (const statement of body.body) this.#visit(statement, inner);
    } else if (body != null) this.#visit(body, inner);
    if (thisInfo !== undefined) this.#thisStack.pop();
  }

  #visitClass(node: Node, scope: Scope): void {
    if (node.superClass != null) this.#visit(node.superClass, scope);
    const info: ClassInfo = { fields: new Map() };
    const members: Node[] = node.body.body;
    let ctor: Node | undefined;
    for (const item of members) {
      if (item.type === 'PropertyDefinition' || item.type === 'AccessorProperty') {
        const name = propertyName(item.key, item.computed);
        if (name === undefined) continue;
        info.fields.set(name, {
          init: item.value ?? undefined,
          type: item.typeAnnotation ?? undefined,
          scope,
          thisInfo: info,
          state: 'pending',
        });
      } else if (
        item.type === 'MethodDefinition' &&
        item.kind === 'method' &&
        !item.static &&
        item.value?.body != null
      ) {
        // `this.getStripeClient()`: a method returning a client is a factory
        const name = propertyName(item.key, item.computed);
        if (name !== undefined && !info.fields.has(name)) {
          info.fields.set(name, { init: item.value, scope, thisInfo: info, state: 'pending' });
        }
      } else if (item.type === 'MethodDefinition' && item.kind === 'constructor') {
        ctor = item;
        for (const param of item.value.params) {
          if (param.type !== 'TSParameterProperty') continue;
          const target =
            param.parameter.type === 'AssignmentPattern' ? param.parameter.left : param.parameter;
          if (target.type !== 'Identifier') continue;
          info.fields.set(target.name, {
            init: param.parameter.type === 'AssignmentPattern' ? param.parameter.right : undefined,
            type: target.typeAnnotation ?? undefined,
            scope,
            state: 'pending',
          });
        }
      }
    }
    // the constructor first: its `this.x = …` assignments hold for the methods above it
    const ordered = ctor === undefined ? members : [ctor, ...members.filter((m) => m !== ctor)];
    for (const item of ordered) {
      if (item.type === 'MethodDefinition' || item.type === 'TSAbstractMethodDefinition') {
        if (item.computed) this.#visit(item.key, scope);
        if (item.value != null) this.#visitFunction(item.value, scope, info);
      } else if (item.type === 'PropertyDefinition' || item.type === 'AccessorProperty') {
        if (item.computed) this.#visit(item.key, scope);
        if (item.value != null) {
          this.#thisStack.push(info);
          this.#visit(item.value, scope);
          this.#thisStack.pop();
        }
      } else if (item.type === 'StaticBlock') {
        this.#thisStack.push(info);
        this.#visit(item, scope);
        this.#thisStack.pop();
      }
    }
  }

  /** `this.x = new Stripe(k)` in a class; `stripe = new Stripe(k)` to a name declared without a value. */
  #assign(node: Node, scope: Scope): void {
    if (node.operator !== '=' && node.operator !== '??=' && node.operator !== '||=') return;
    const left = node.left;
    if (left.type === 'MemberExpression' && left.object.type === 'ThisExpression') {
      const info = this.#thisStack[this.#thisStack.length - 1];
      const name = propertyName(left.property, left.computed);
      if (info == null || name === undefined) return;
      const field = info.fields.get(name);
      if (field !== undefined && (field.init != null || field.type !== undefined)) return;
      info.fields.set(name, { init: node.right, scope, thisInfo: info, state: 'pending' });
    } else if (left.type === 'Identifier') {
      const binding = scope.lookup(left.name);
      if (binding === undefined || binding.init != null || binding.type !== undefined) return;
      if (binding.state === 'done' && binding.value !== undefined) return;
      if (this.#evaluate(node.right, scope)?.kind !== 'client') return;
      binding.value = CLIENT;
      binding.state = 'done';
    }
  }

  // ---- calls ---------------------------------------------------------------------------

  #call(node: Node, scope: Scope): void {
    const callee = node.callee;
    const value = this.#evaluate(callee, scope);
    if (value?.kind === 'client' && value.path.length > 0) {
      if (value.path.length === 1 && value.path[0] === 'rawRequest') this.#rawRequest(node, scope);
      else this.#sdkCall(node, value.path, scope);
      return;
    }
    if (value?.kind === 'computed') {
      this.#report(node, value.text, {
        code: 'computed_member',
        reason: `computed member name in ${quote(source(callee))}: the SDK method cannot be read statically`,
      });
      return;
    }
    if (value?.kind === 'makeRequest') {
      this.#makeRequest(node, value.via, scope);
      return;
    }
    if (this.#httpCall(node, scope)) return;
    if (value === undefined) this.#unknownReceiver(node);
  }

  #sdkCall(node: Node, path: readonly string[], scope: Scope): void {
    const call = path.join('.');
    const via = `stripe.${call}`;
    const method = this.#context.sdkMethods.find(call);
    if (method === undefined) {
      if (!isLocalClientMember(path)) {
        this.#report(node, via, {
          code: 'unknown_method',
          reason: `\`${via}\` is not a method in the SDK method table`,
        });
      }
      return;
    }
    if ('raw' in method) {
      this.#rawRequest(node, scope);
      return;
    }
    // the path's ids come first, then the params (`retrieve(id, params, options)`)
    const ids = method.path.split('{').length - 1;
    const expand = this.#expandOption(node, node.arguments, via, scope, ids);
    this.#place(node, via, method.method, method.path, expand);
  }

  /** `stripe.rawRequest(method, path, params?, options?)` */
  #rawRequest(node: Node, scope: Scope): void {
    const [methodArg, pathArg] = node.arguments;
    const method = this.#literalMethod(methodArg, scope);
    if (method === undefined) {
      this.#report(node, 'rawRequest', {
        code: 'dynamic_method',
        reason: `\`rawRequest\` method ${methodArg === undefined ? 'is missing' : `${quote(source(methodArg))} is not a literal HTTP method`}`,
      });
      return;
    }
    const path = pathArg === undefined ? undefined : this.#evaluate(pathArg, scope);
    if (path?.kind !== 'string' || !path.text.startsWith('/')) {
      this.#report(node, 'rawRequest', {
        code: 'dynamic_path',
        reason: `\`rawRequest\` path ${pathArg === undefined ? 'is missing' : `${quote(source(pathArg))} is not a literal path`}`,
      });
      return;
    }
    const expand = this.#expandOption(node, node.arguments.slice(2, 3), 'rawRequest', scope, 0);
    this.#placeUrl(node, 'rawRequest', method, path.text, expand);
  }

  /** `createHttpClient().makeRequest(host, port, path, method, …)` */
  #makeRequest(node: Node, via: string, scope: Scope): void {
    const [hostArg, , pathArg, methodArg] = node.arguments;
    const host = hostArg === undefined ? undefined : this.#evaluate(hostArg, scope);
    if (host?.kind === 'string' && host.text !== 'api.stripe.com') return;
    const method = this.#literalMethod(methodArg, scope);
    const path = pathArg === undefined ? undefined : this.#evaluate(pathArg, scope);
    if (method === undefined) {
      this.#report(node, via, {
        code: 'dynamic_method',
        reason: `\`${via}\` method is not a literal HTTP method`,
      });
    } else if (path?.kind !== 'string' || !path.text.startsWith('/')) {
      this.#report(node, via, { code: 'dynamic_path', reason: `\`${via}\` path is not a literal path` });
    } else this.#placeUrl(node, via, method, path.text, []);
  }

  /**
   * `fetch(url, { method })`, `axios.post(url)`, `axios({ url, method })` and the like: any
   * call whose first argument is a URL on `https://api.stripe.com`. The method is the
   * callee's name when it is an HTTP verb (`.get`, `.post`, …), else the options' literal
   * `method`, else GET.
   */
  #httpCall(node: Node, scope: Scope): boolean {
    const first = unwrap(node.arguments[0]);
    const second = unwrap(node.arguments[1]);
    if (first === undefined) return false;
    let url: Value | undefined;
    let options: Node | undefined;
    if (first.type === 'ObjectExpression') {
      const property = findProperty(first, 'url');
      if (property === undefined) return false;
      url = this.#evaluate(property.value, scope);
      options = first;
    } else {
      // cheap exit first: most calls take no URL at all
      if (!URL_NODES.has(first.type)) return false;
      url = this.#evaluate(first, scope);
      options = second?.type === 'ObjectExpression' ? second : undefined;
    }
    if (url?.kind !== 'string' || !url.text.startsWith(STRIPE_HOST)) return false;
    const rest = url.text.slice(STRIPE_HOST.length);
    if (rest !== '' && !/^[/?#:]/.test(rest)) return false; // api.stripe.com.example.org
    const via = calleeText(node.callee);
    let method: HttpMethod | undefined;
    const property =
      node.callee.type === 'MemberExpression'
        ? propertyName(node.callee.property, node.callee.computed)
        : undefined;
    const verb = property === undefined ? undefined : HTTP_VERBS.get(property);
    if (verb !== undefined) method = verb;
    else {
      const methodProperty = options === undefined ? undefined : findProperty(options, 'method');
      method = methodProperty === undefined ? 'GET' : this.#literalMethod(methodProperty.value, scope);
      if (method === undefined) {
        this.#report(node, via, {
          code: 'dynamic_method',
          reason: `\`${via}\` method ${quote(source(methodProperty.value))} is not a literal HTTP method`,
        });
        return true;
      }
    }
    let path = rest.replace(/^:443(?=\/|$)/, '');
    const hash = path.indexOf('#');
    if (hash >= 0) path = path.slice(0, hash);
    if (path === '' || path.startsWith('?')) path = `/${path}`;
    this.#placeUrl(node, via, method, path, []);
    return true;
  }

  /** A member chain on an unknown receiver that ends in an SDK method. */
  #unknownReceiver(node: Node): void {
    const names: string[] = [];
    let current = node.callee;
    while (current.type === 'MemberExpression') {
      const name = propertyName(current.property, current.computed);
      if (name === undefined) return;
      names.push(name);
      current = current.object;
    }
    if (names.length < 2 && names[0] !== 'rawRequest') return;
    names.reverse();
    const found =
      names[names.length - 1] === 'rawRequest' ||
      [4, 3, 2].some(
        (n) => n <= names.length && this.#context.sdkMethods.find(names.slice(-n).join('.')) !== undefined,
      );
    if (!found) return;
    this.#report(node, calleeText(node.callee), {
      code: 'unknown_receiver',
      reason: 'receiver not known to be a Stripe client',
    });
  }

  /**
   * The literal `expand` of a call: the first object argument with an `expand` property,
   * followed into a variable declared with an object literal (`const params = { expand: […] }`)
   * and into spreads of such variables. A value that is not a literal string or list of
   * strings is reported (`dynamic_expand`) and the call is placed without it, as is a params
   * argument (the one after the path's ids, `params`) that cannot be read: an unknown variable
   * or expression, or a spread of one.
   */
  #expandOption(node: Node, args: readonly Node[], via: string, scope: Scope, params = -1): string[] {
    const unreadable: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const object = this.#paramsObject(args[i], scope, i === params ? unreadable : undefined, 0);
      if (object === undefined) continue;
      const expand = this.#expandOf(node, object.node, object.scope, via, unreadable);
      if (expand !== undefined) return expand;
    }
    for (const text of unreadable) {
      this.#report(node, via, {
        code: 'dynamic_expand',
        reason: `params ${quote(text)} is not an object literal in scope: its \`expand\` cannot be read`,
      });
    }
    return [];
  }

  /**
   * The object literal a params argument is: written in place, or the initializer of the
   * variable it names. Anything else that may be params (not a string, a number, `null` or
   * `undefined`) goes to `unreadable` when given.
   */
  #paramsObject(
    written: Node,
    scope: Scope,
    unreadable: string[] | undefined,
    depth: number,
  ): { node: Node; scope: Scope } | undefined {
    const arg = unwrap(written);
    if (arg == null || depth > 8) return undefined;
    if (arg.type === 'ObjectExpression') return { node: arg, scope };
    if (arg.type === 'Identifier') {
      if (arg.name === 'undefined') return undefined;
      const binding = scope.lookup(arg.name);
      if (binding !== undefined && binding.init != null && (binding.path ?? []).length === 0) {
        const init = unwrap(binding.init);
        if (init?.type === 'ObjectExpression' || init?.type === 'Identifier') {
          return this.#paramsObject(init, binding.scope, unreadable, depth + 1);
        }
      }
    }
    if (
      arg.type === 'Literal' ||
      arg.type === 'TemplateLiteral' ||
      arg.type === 'ArrowFunctionExpression' ||
      arg.type === 'FunctionExpression'
    ) {
      return undefined;
    }
    const value = this.#evaluate(arg, scope);
    if (value?.kind === 'string') return undefined;
    unreadable?.push(source(arg));
    return undefined;
  }

  /** The `expand` of an object literal (undefined when it has none), spreads followed. */
  #expandOf(node: Node, object: Node, scope: Scope, via: string, unreadable: string[]): string[] | undefined {
    const property = findProperty(object, 'expand');
    if (property === undefined) {
      // a later property wins over a spread; spreads are read last to first
      for (let i = object.properties.length - 1; i >= 0; i--) {
        const spread = object.properties[i];
        if (spread.type !== 'SpreadElement') continue;
        const inner = this.#paramsObject(spread.argument, scope, unreadable, 1);
        const expand =
          inner === undefined ? undefined : this.#expandOf(node, inner.node, inner.scope, via, unreadable);
        if (expand !== undefined) return expand;
      }
      return undefined;
    }
    const value = property.value;
    const items: Node[] = value.type === 'ArrayExpression' ? value.elements : [value];
    const expand: string[] = [];
    for (const item of items) {
      const text = item == null || item.type === 'SpreadElement' ? undefined : this.#evaluate(item, scope);
      if (text?.kind !== 'string' || text.text.includes(HOLE)) {
        this.#report(node, via, {
          code: 'dynamic_expand',
          reason: `\`expand\` item ${quote(item == null ? '' : source(item))} is not a literal string`,
        });
        continue;
      }
      expand.push(text.text);
    }
    return expand;
  }

  #literalMethod(node: Node | undefined, scope: Scope): HttpMethod | undefined {
    if (node === undefined) return undefined;
    const value = this.#evaluate(node, scope);
    if (value?.kind !== 'string') return undefined;
    const upper = value.text.toUpperCase();
    if (upper === 'HEAD') return 'GET';
    return METHODS.has(upper) ? (upper as HttpMethod) : undefined;
  }

  /** A path with an optional query string (its `expand` is read with the one parameter parser). */
  #placeUrl(node: Node, via: string, method: HttpMethod, url: string, expand: string[]): void {
    const question = url.indexOf('?');
    const path = question < 0 ? url : url.slice(0, question);
    if (question >= 0) {
      const query = url.slice(question + 1);
      if (query.includes(HOLE)) {
        if (/(^|&)expand(\[|%5B|=)/i.test(query)) {
          this.#report(node, via, {
            code: 'dynamic_expand',
            reason: `the query string \`${query}\` is not literal: its \`expand\` cannot be read`,
          });
        }
      } else {
        try {
          const params = parseParams(query, 'query');
          const value = params['expand'];
          if (typeof value === 'string') expand.push(value);
          else if (Array.isArray(value))
            for (const item of value) if (typeof item === 'string') expand.push(item);
        } catch (error) {
          if (!(error instanceof ParamError)) throw error;
          this.#report(node, via, {
            code: 'invalid_expand',
            reason: `query string \`${query}\`: ${error.message}`,
          });
        }
      }
    }
    if (path.startsWith(HOLE)) {
      this.#report(node, via, {
        code: 'dynamic_path',
        reason: `path \`${path}\` does not start with a literal`,
      });
      return;
    }
    this.#place(node, via, method, path, expand);
  }

  #place(node: Node, via: string, method: HttpMethod, path: string, expand: readonly string[]): void {
    const placed = placeOperation(this.#context.routes, method, path, expand);
    if ('code' in placed) {
      this.#report(node, via, placed);
      return;
    }
    this.#findings.push({ offset: node.start, via, placed });
    for (const problem of placed.problems) this.#report(node, via, problem);
  }

  #report(node: Node, via: string, problem: { code: UnresolvedCode; reason: string }): void {
    this.#findings.push({ offset: node.start, via, problem });
  }
}

// ---- helpers -----------------------------------------------------------------------------

/** A client made by a constructor or factory (`new Stripe(k)`, `new SubclassOfStripe(k)`). */
function clientOf(maker: Value | undefined): Value | undefined {
  if (maker?.kind !== 'module') return undefined;
  return maker.own === undefined ? CLIENT : { kind: 'client', path: [], own: maker.own };
}

/** A whole client, not a part of one. */
function isWholeClient(value: Value | undefined): boolean {
  return value?.kind === 'client' && value.path.length === 0;
}

/** `return;`, `return null`, `return undefined`: no value. */
function isNothing(node: Node): boolean {
  const value = unwrap(node);
  return (
    value == null ||
    (value.type === 'Literal' && value.value === null) ||
    (value.type === 'Identifier' && value.name === 'undefined')
  );
}

function done(scope: Scope, value: Value): Binding {
  return { scope, value, state: 'done' };
}

function moduleValue(source: unknown): Value | undefined {
  if (source === 'stripe') return MODULE;
  if (typeof source === 'string' && source.startsWith('@stripe/ui-extension-sdk')) return { kind: 'uiSdk' };
  return undefined;
}

function importedName(specifier: Node): string {
  return exportName(specifier.imported);
}

/** A module export name: an identifier or a string literal (`export { a as "b c" }`). */
function exportName(node: Node): string {
  return node.type === 'Identifier' ? node.name : String(node.value);
}

/** Whether the scanner knows something about a value worth exporting to other files. */
function isKnown(value: Value | undefined): value is Value {
  return (
    value !== undefined &&
    value.kind !== 'other' &&
    value.kind !== 'string' &&
    value.kind !== 'computed' &&
    value.kind !== 'tuple'
  );
}

/** `import { name } from …` (`default` for a default import) of another file's exports. */
function importName(module: Value | undefined, name: string): Value | undefined {
  // a CommonJS module's default import is what it assigned to `module.exports`
  if (name === 'default' && !(module?.kind === 'namespace' && module.esModule)) return module;
  return member(module, name);
}

/** The names a declaration pattern binds. */
function boundNames(pattern: Node): string[] {
  switch (pattern.type) {
    case 'Identifier':
      return [pattern.name];
    case 'AssignmentPattern':
      return boundNames(pattern.left);
    case 'RestElement':
      return boundNames(pattern.argument);
    case 'ObjectPattern':
      return pattern.properties.flatMap((p: Node) => boundNames(p.type === 'RestElement' ? p : p.value));
    case 'ArrayPattern':
      return pattern.elements.flatMap((e: Node) => (e == null ? [] : boundNames(e)));
  }
  return [];
}

/** `object.property` written plainly (`module.exports`). */
function isMember(node: Node, object: string, property: string): boolean {
  return (
    node.type === 'MemberExpression' &&
    !node.computed &&
    node.object.type === 'Identifier' &&
    node.object.name === object &&
    node.property.type === 'Identifier' &&
    node.property.name === property
  );
}

/** A member of a value: a client's namespaces, the module's `Stripe`/`default`, the UI SDK's `createHttpClient`. */
function member(value: Value | undefined, name: string): Value | undefined {
  if (name.startsWith(INDEX) && value?.kind !== 'tuple') return undefined;
  switch (value?.kind) {
    case 'client':
      // a subclass's own method or field is not an SDK call
      if (value.path.length === 0 && value.own?.has(name)) return OTHER;
      return { kind: 'client', path: [...value.path, name] };
    case 'module':
      return value.own === undefined && (name === 'Stripe' || name === 'default') ? MODULE : undefined;
    case 'tuple':
      return name.startsWith(INDEX) ? value.items[Number(name.slice(INDEX.length))] : undefined;
    case 'uiSdk':
      return name === 'createHttpClient' ? { kind: 'createHttpClient' } : undefined;
    case 'namespace':
      return value.members.get(name);
  }
  return undefined;
}

/** A property key's name: identifiers, string literals, private names (`#x`); undefined when computed. */
function propertyName(key: Node, computed: boolean): string | undefined {
  if (!computed) {
    if (key.type === 'Identifier') return key.name;
    if (key.type === 'PrivateIdentifier') return `#${key.name}`;
  }
  if (key.type === 'Literal' && (typeof key.value === 'string' || typeof key.value === 'number')) {
    return String(key.value);
  }
  if (key.type === 'TemplateLiteral' && key.expressions.length === 0) return key.quasis[0].value.cooked;
  return undefined;
}

function findProperty(object: Node, name: string): Node | undefined {
  for (const property of object.properties) {
    if (property.type === 'Property' && propertyName(property.key, property.computed) === name)
      return property;
  }
  return undefined;
}

/** `fetch`, `axios.post`, `this.http.get`; `call` for anything less simple. */
function calleeText(node: Node): string {
  const parts: string[] = [];
  let current = node;
  while (current.type === 'MemberExpression' && !current.computed) {
    parts.push(current.property.name);
    current = current.object;
  }
  if (current.type === 'Identifier') parts.push(current.name);
  else if (current.type === 'ThisExpression') parts.push('this');
  else return parts.length > 0 ? `….${parts.reverse().join('.')}` : 'call';
  return parts.reverse().join('.');
}

/** Source text in backticks for a message (double backticks around text that has one). */
function quote(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** Unwraps parentheses and TypeScript's `as`, `satisfies`, `!` and `<T>x`. */
function unwrap(node: Node): Node {
  while (
    node?.type === 'ParenthesizedExpression' ||
    node?.type === 'TSAsExpression' ||
    node?.type === 'TSSatisfiesExpression' ||
    node?.type === 'TSNonNullExpression' ||
    node?.type === 'TSTypeAssertion'
  ) {
    node = node.expression;
  }
  return node;
}

/** A short rendering of an expression for messages. */
function source(node: Node): string {
  switch (node.type) {
    case 'Identifier':
      return node.name;
    case 'Literal':
      return JSON.stringify(node.value) ?? String(node.value);
    case 'ThisExpression':
      return 'this';
    case 'MemberExpression':
      return node.computed
        ? `${source(node.object)}[${source(node.property)}]`
        : `${source(node.object)}.${node.property.name}`;
    case 'CallExpression':
      return `${source(node.callee)}(…)`;
    case 'TemplateLiteral':
      return `\`${node.quasis.map((q: Node) => q.value.raw).join(HOLE)}\``;
  }
  return '…';
}
