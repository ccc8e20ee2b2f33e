import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/**
 * Data keys: the AES-256 keys the Secret Store encrypts payloads with (AES-256-GCM, a random
 * 96-bit nonce per value, the row's owner and name as additional authenticated data). The
 * operator holds them (`APPSCOPE_SECRET_KEY`, a key file, or the one `appscope serve` keeps in
 * its data directory); the database holds only ciphertext and each value's key id. A key's
 * bytes never leave its {@link DataKey} except into `node:crypto` and {@link DataKey.export}
 * (for writing a key file): it prints, logs and serializes as its id only.
 */

/** Bytes of a data key (AES-256). */
export const DATA_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/** A value sealed with a data key: the nonce and the ciphertext with its tag, both base64. */
export interface Sealed {
  readonly nonce: string;
  readonly ciphertext: string;
}

/** One data key. Build one with {@link parseDataKey} or {@link generateDataKey}. */
export class DataKey {
  /**
   * The key's id, `dk_` and 16 hex digits of an HMAC-SHA-256 of a fixed label under the key:
   * stored beside each value, shown to operators, and useless for finding the key.
   */
  readonly id: string;
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = Buffer.from(key);
    this.id = `dk_${createHmac('sha256', this.#key).update('appscope data key id').digest('hex').slice(0, 16)}`;
  }

  /** @internal use {@link parseDataKey} or {@link generateDataKey} */
  static fromBytes(bytes: Uint8Array): DataKey {
    if (bytes.length !== DATA_KEY_BYTES) throw new RangeError(`a data key is ${DATA_KEY_BYTES} bytes`);
    return new DataKey(Buffer.from(bytes));
  }

  /** The key as a key file holds it (base64, 44 characters). Only for writing that file. */
  export(): string {
    return this.#key.toString('base64');
  }

  /**
   * Encrypts `plaintext` (UTF-8) with a fresh random nonce, binding `aad` (which must be given
   * again, unchanged, to {@link DataKey.open}).
   */
  seal(plaintext: string, aad: string): Sealed {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return { nonce: nonce.toString('base64'), ciphertext: body.toString('base64') };
  }

  /**
   * The plaintext of a sealed value, or undefined when it does not authenticate: another key,
   * other additional data (the ciphertext was moved to another row), or altered bytes.
   */
  open(sealed: Sealed, aad: string): string | undefined {
    const nonce = Buffer.from(sealed.nonce, 'base64');
    const body = Buffer.from(sealed.ciphertext, 'base64');
    if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  toJSON(): { id: string } {
    return { id: this.id };
  }

  toString(): string {
    return `DataKey(${this.id})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A data key from its text: 32 bytes as base64 (44 characters, `openssl rand -base64 32`) or
 * as 64 hex digits; surrounding white space is ignored. Undefined when the text is not one
 * (the caller says where it came from; the text itself is never repeated).
 * @example
 * parseDataKey(process.env.APPSCOPE_SECRET_KEY ?? '')?.id; // 'dk_3f1c…'
 */
export function parseDataKey(text: string): DataKey | undefined {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed)) return DataKey.fromBytes(Buffer.from(trimmed, 'hex'));
  if (!BASE64_KEY.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === DATA_KEY_BYTES ? DataKey.fromBytes(bytes) : undefined;
}

/** A new random data key (from the system CSPRNG). */
export function generateDataKey(): DataKey {
  return DataKey.fromBytes(randomBytes(DATA_KEY_BYTES));
}

/** Options of a {@link DataKeyring}. */
export interface DataKeyringOptions {
  /**
   * Reads the keys again from where they came from (a key file another process may have
   * rotated): called when a value names a key this ring does not hold, at most once a second.
   */
  readonly reload?: () => readonly DataKey[];
  /** Milliseconds; injectable for tests. */
  readonly clock?: () => number;
}

/**
 * The data keys one process holds: the first is the primary (a rotation moves every value to
 * it), the others only decrypt. Which key encrypts new values is the database's choice
 * (`app_secret_state`), so that every process, and a rotation in progress, agree.
 */
export class DataKeyring {
  #keys: readonly DataKey[];
  readonly #reload: (() => readonly DataKey[]) | undefined;
  readonly #clock: () => number;
  #reloadedAt = Number.NEGATIVE_INFINITY;

  constructor(keys: readonly DataKey[], options: DataKeyringOptions = {}) {
    if (keys.length === 0) throw new RangeError('a data keyring needs at least one key');
    this.#keys = Object.freeze([...keys]);
    this.#reload = options.reload;
    this.#clock = options.clock ?? Date.now;
  }

  /** The first key. */
  get primary(): DataKey {
    return this.#keys[0]!;
  }

  /** The ids of the keys held, primary first. */
  get ids(): readonly string[] {
    return this.#keys.map((key) => key.id);
  }

  /** The key with this id, reloading the ring (at most once a second) when it is not held. */
  get(id: string): DataKey | undefined {
    const held = this.#keys.find((key) => key.id === id);
    if (held !== undefined || this.#reload === undefined) return held;
    const now = this.#clock();
    if (now - this.#reloadedAt < 1000) return undefined;
    this.#reloadedAt = now;
    try {
      const keys = this.#reload();
      if (keys.length > 0) this.#keys = Object.freeze([...keys]);
    } catch {
      return undefined; // the ring keeps what it had; the caller fails closed
    }
    return this.#keys.find((key) => key.id === id);
  }

  toJSON(): { ids: readonly string[] } {
    return { ids: this.ids };
  }

  [inspect.custom](): string {
    return `DataKeyring(${this.ids.join(', ')})`;
  }
}
