/**
 * A set of catalog permissions as a bitset over the catalog's permission indices.
 * Immutable once built; `has` is a shift and a mask.
 */
export class PermissionSet {
  readonly #bits: Uint32Array;

  /** @internal use {@link Catalog.closure} or {@link Catalog.set} to build one */
  constructor(bits: Uint32Array) {
    this.#bits = bits;
  }

  static empty(size: number): PermissionSet {
    return new PermissionSet(new Uint32Array(Math.ceil(size / 32)));
  }

  has(index: number): boolean {
    return index >= 0 && ((this.#bits[index >>> 5] ?? 0) & (1 << (index & 31))) !== 0;
  }

  /** Indices in ascending order. */
  indices(): number[] {
    const out: number[] = [];
    for (let word = 0; word < this.#bits.length; word++) {
      let bits = this.#bits[word] ?? 0;
      while (bits !== 0) {
        const low = bits & -bits;
        out.push(word * 32 + (31 - Math.clz32(low)));
        bits ^= low;
      }
    }
    return out;
  }

  get size(): number {
    let count = 0;
    for (const word of this.#bits) {
      let v = word - ((word >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      count += (((v + (v >>> 4)) & 0xf0f0f0f) * 0x1010101) >>> 24;
    }
    return count;
  }

  /** True when every member of this set is in `other`. */
  isSubsetOf(other: PermissionSet): boolean {
    const mine = this.#bits;
    const theirs = other.#bits;
    for (let i = 0; i < mine.length; i++) {
      if (((mine[i] ?? 0) & ~(theirs[i] ?? 0)) !== 0) return false;
    }
    return true;
  }

  union(other: PermissionSet): PermissionSet {
    const out = new Uint32Array(Math.max(this.#bits.length, other.#bits.length));
    for (let i = 0; i < out.length; i++) out[i] = (this.#bits[i] ?? 0) | (other.#bits[i] ?? 0);
    return new PermissionSet(out);
  }

  intersection(other: PermissionSet): PermissionSet {
    const out = new Uint32Array(Math.min(this.#bits.length, other.#bits.length));
    for (let i = 0; i < out.length; i++) out[i] = (this.#bits[i] ?? 0) & (other.#bits[i] ?? 0);
    return new PermissionSet(out);
  }

  /** Members of this set that are not in `other`. */
  difference(other: PermissionSet): PermissionSet {
    const out = new Uint32Array(this.#bits.length);
    for (let i = 0; i < out.length; i++) out[i] = (this.#bits[i] ?? 0) & ~(other.#bits[i] ?? 0);
    return new PermissionSet(out);
  }

  equals(other: PermissionSet): boolean {
    const n = Math.max(this.#bits.length, other.#bits.length);
    for (let i = 0; i < n; i++) if ((this.#bits[i] ?? 0) !== (other.#bits[i] ?? 0)) return false;
    return true;
  }

  /** @internal OR this set's bits into `target` (used when building closures). */
  orInto(target: Uint32Array): void {
    for (let i = 0; i < this.#bits.length; i++) target[i] = (target[i] ?? 0) | (this.#bits[i] ?? 0);
  }
}
