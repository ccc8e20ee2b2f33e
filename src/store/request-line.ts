/** What a request line says about the gateway's decision; strings marked JSON are JSON text. */
export interface RequestLineDecision {
  readonly outcome: string;
  /** JSON text: a quoted string or `null` ({@link jsonText}). */
  readonly account: string;
  /** JSON text. */
  readonly install: string;
  /** JSON text. */
  readonly key: string;
  /** JSON text of the unmet groups ({@link missingText}), or `null` when none is unmet. */
  readonly missing: string | null;
}

/**
 * `serve`'s per-request log line, as JSON text ending in a newline:
 * `{"level":"info","time":…,"service":…,"pid":…,"reqId":…,"method":…,"path":…,"route":…,
 * "status":…,"ms":…[,"decision":…,"account":…,"install":…,"key":…[,"missing":"a,b;c"]],"msg":"request"}`.
 *
 * `bindings` is `,"service":"appscope","pid":123,` (made once). `path`, `route` and the
 * decision's account, install, key and missing groups come as JSON text ({@link jsonText},
 * {@link missingText}): the caller escapes each value once, and the decision writer, which
 * writes the same account, route and key over and over, escapes each distinct value once per
 * batch. Request ids (generated here), methods (the HTTP parser's) and outcomes need no escaping.
 *
 * `serve` writes the lines of requests without a stored decision with it; the SQLite decision
 * writer's worker thread (`sqlite-decision-worker.ts`) writes those of the decisions it stores,
 * so both writers of request lines write one format. It lives in the store layer because that
 * worker does; `serve` (an edge) imports it from here.
 */
export function formatRequestLine(
  bindings: string,
  time: number,
  reqId: string,
  method: string,
  path: string,
  route: string,
  status: number | null,
  ms: number,
  decision: RequestLineDecision | null,
): string {
  let line = `{"level":"info","time":${time}${bindings}"reqId":"${reqId}","method":"${method}","path":${path},"route":${route},"status":${status},"ms":${Math.round(ms * 1000) / 1000}`;
  if (decision !== null) {
    line += `,"decision":"${decision.outcome}","account":${decision.account},"install":${decision.install},"key":${decision.key}`;
    if (decision.missing !== null) line += `,"missing":${decision.missing}`;
  }
  return `${line},"msg":"request"}\n`;
}

/** A request line's value: `value` as a JSON string, or `null`. */
export function jsonText(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}

/**
 * A request line's `missing`: the unmet groups as the `Appscope-Accepted-Permissions` header
 * writes them (alternatives joined by `,`, groups by `;`), as a JSON string; `null` when none.
 */
export function missingText(missing: readonly (readonly string[])[]): string | null {
  return missing.length === 0 ? null : JSON.stringify(missing.map((group) => group.join(',')).join(';'));
}
