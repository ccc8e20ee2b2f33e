import { createHash } from 'node:crypto';
import { type AuditHead, type AuditRow, GENESIS_HASH, type StoreTransaction } from '../store/store.js';
import type { Actor } from './actor.js';
import { canonicalJson } from './canonical-json.js';
import type { Domain } from './context.js';

/**
 * The audit log: every state change with its actor, time, action, target, and the target
 * before and after (public objects only: no secret or secret hash ever goes in). Rows are
 * append-only and hash-chained: `hash = SHA-256(prev_hash + canonical JSON of the row)`, the
 * first `prev_hash` being 64 zeros, so altering, removing or reordering any row breaks the chain
 * from that row on.
 */

/** What a flow records; the chain fields are filled in by {@link appendAudit}. */
export interface AuditInput {
  /** e.g. `install.created`, `key.rolled` */
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string };
  /** The target before the change; omit when it was created. */
  readonly before?: unknown;
  /** The target after the change; omit when it was deleted. */
  readonly after?: unknown;
}

/** One audit row as read back. */
export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: Actor;
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string };
  readonly before: unknown;
  readonly after: unknown;
  readonly prev_hash: string;
  readonly hash: string;
}

/** Why a chain check failed (see {@link verifyAudit}). */
export type AuditBreak = 'hash_mismatch' | 'broken_link' | 'missing_rows' | 'head_mismatch';

/** The result of {@link verifyAudit}: the whole chain holds, or where it first breaks. */
export type AuditVerification =
  | { readonly ok: true; readonly rows: number; readonly head: string }
  | {
      readonly ok: false;
      /** The first row whose check fails (for `head_mismatch`, the row after the last one present). */
      readonly firstBrokenSeq: number;
      readonly reason: AuditBreak;
      readonly message: string;
      /** Rows checked before the break. */
      readonly rows: number;
    };

/** The hash of a row given its predecessor's hash. */
export function auditRowHash(row: Omit<AuditRow, 'hash'>): string {
  const content = canonicalJson({
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    before: row.before,
    after: row.after,
  });
  return createHash('sha256').update(row.prev_hash).update(content).digest('hex');
}

/** Appends one row after `head` inside the caller's transaction; returns the new head. */
export async function appendAudit(
  tx: StoreTransaction,
  head: AuditHead,
  actor: Actor,
  at: string,
  input: AuditInput,
): Promise<AuditHead> {
  const unhashed: Omit<AuditRow, 'hash'> = {
    seq: head.seq + 1,
    at,
    actor: canonicalJson(actor),
    action: input.action,
    target_type: input.target.type,
    target_id: input.target.id,
    before: input.before === undefined ? null : canonicalJson(input.before),
    after: input.after === undefined ? null : canonicalJson(input.after),
    prev_hash: head.hash,
  };
  const row: AuditRow = { ...unhashed, hash: auditRowHash(unhashed) };
  await tx.appendAudit(row);
  return { seq: row.seq, hash: row.hash };
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: JSON.parse(row.actor) as Actor,
    action: row.action,
    target: { type: row.target_type, id: row.target_id },
    before: row.before === null ? null : (JSON.parse(row.before) as unknown),
    after: row.after === null ? null : (JSON.parse(row.after) as unknown),
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Audit rows after `afterSeq` (default 0), oldest first, at most `limit` (default 100, at most 1000).
 * @example
 * const rows = await listAudit(domain, { afterSeq: 0, limit: 50 });
 */
export async function listAudit(
  domain: Domain,
  options: { readonly afterSeq?: number; readonly limit?: number; readonly targetId?: string } = {},
): Promise<AuditEntry[]> {
  const limit = Math.max(1, Math.min(1000, options.limit ?? 100));
  return domain.store.transaction(
    async (tx) => {
      const out: AuditEntry[] = [];
      let after = options.afterSeq ?? 0;
      while (out.length < limit) {
        const rows = await tx.listAudit(after, 1000);
        if (rows.length === 0) break;
        for (const row of rows) {
          if (options.targetId === undefined || row.target_id === options.targetId) out.push(toEntry(row));
          if (out.length === limit) break;
        }
        after = rows.at(-1)!.seq;
      }
      return out;
    },
    { readOnly: true },
  );
}

/**
 * Recomputes the whole chain in one snapshot and reports the first broken link: a row whose
 * content no longer matches its hash, a row that does not point at its predecessor, a gap in
 * the sequence, or a chain head that does not match the last row (rows removed from the end).
 * @example
 * const result = await verifyAudit(domain);
 * if (!result.ok) console.error(`audit log broken at row ${result.firstBrokenSeq}: ${result.message}`);
 */
export async function verifyAudit(domain: Domain): Promise<AuditVerification> {
  return domain.store.transaction(
    async (tx) => {
      let expectedSeq = 1;
      let previousHash = GENESIS_HASH;
      let rows = 0;
      for (;;) {
        const page = await tx.listAudit(expectedSeq - 1, 1000);
        if (page.length === 0) break;
        for (const row of page) {
          const fail = (reason: AuditBreak, message: string, seq = row.seq): AuditVerification => ({
            ok: false,
            firstBrokenSeq: seq,
            reason,
            message,
            rows,
          });
          if (row.seq !== expectedSeq) {
            return fail(
              'missing_rows',
              `row ${expectedSeq} is missing (the next row present is ${row.seq})`,
              expectedSeq,
            );
          }
          if (row.prev_hash !== previousHash) {
            return fail('broken_link', `row ${row.seq} does not point at the hash of row ${row.seq - 1}`);
          }
          if (auditRowHash(row) !== row.hash) {
            return fail('hash_mismatch', `row ${row.seq} was changed after it was written`);
          }
          previousHash = row.hash;
          expectedSeq += 1;
          rows += 1;
        }
      }
      const head = await tx.getAuditHead();
      if (head.seq !== rows || head.hash !== previousHash) {
        return {
          ok: false,
          firstBrokenSeq: rows + 1,
          reason: 'head_mismatch',
          message:
            head.seq > rows
              ? `the chain head is at row ${head.seq}, but the log ends at row ${rows}: rows were removed`
              : `the chain head does not match row ${rows}`,
          rows,
        };
      }
      return { ok: true, rows, head: previousHash };
    },
    { readOnly: true },
  );
}
