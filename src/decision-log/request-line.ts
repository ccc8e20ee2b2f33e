/**
 * `serve`'s per-request log line, as JSON text ending in a newline:
 * `{"level":"info","time":…,"service":…,"pid":…,"reqId":…,"method":…,"path":…,"route":…,
 * "status":…,"ms":…[,"decision":…,"account":…,"install":…,"key":…[,"missing":"a,b;c"]],"msg":"request"}`.
 *
 * `bindings` is `,"service":"appscope","pid":123,` (made once). `missing` is the unmet groups,
 * alternatives joined by `,` and groups by `;`, as the `Appscope-Accepted-Permissions` header
 * writes them. Request ids (generated here) and methods (the HTTP parser's) need no escaping;
 * every other string is escaped with `JSON.stringify`.
 *
 * Self-contained on purpose: the SQLite decision writer's worker thread runs this very function
 * (its source is embedded in the worker's), so both writers of request lines write one format.
 */
export function formatRequestLine(
  bindings: string,
  time: number,
  reqId: string,
  method: string,
  path: string,
  route: string | null,
  status: number | null,
  ms: number,
  decision: {
    readonly outcome: string;
    readonly account: string | null;
    readonly install: string | null;
    readonly key: string | null;
    readonly missing: readonly (readonly string[])[];
  } | null,
): string {
  const text = (value: string | null): string => (value === null ? 'null' : JSON.stringify(value));
  let line = `{"level":"info","time":${time}${bindings}"reqId":"${reqId}","method":"${method}","path":${text(path)},"route":${text(route)},"status":${status},"ms":${Math.round(ms * 1000) / 1000}`;
  if (decision !== null) {
    line += `,"decision":"${decision.outcome}","account":${text(decision.account)},"install":${text(decision.install)},"key":${text(decision.key)}`;
    if (decision.missing.length > 0) {
      line += `,"missing":${JSON.stringify(decision.missing.map((group) => group.join(',')).join(';'))}`;
    }
  }
  return `${line},"msg":"request"}\n`;
}
