/**
 * The allocation bitmap kept in a core/v1 RangeAllocation. On the wire (and in
 * etcd) `data` holds the bytes of an unsigned big integer, most significant byte
 * first, shortest form, where bit i set means offset i of the range is taken: the
 * layout kube-apiserver writes, so either server can read the other's ranges.
 * In memory the bits are kept little-endian by byte for cheap indexing.
 */
export class Bitmap {
  private readonly bytes: Uint8Array;

  constructor(readonly size: number) {
    this.bytes = new Uint8Array(Math.ceil(size / 8));
  }

  has(offset: number): boolean {
    if (offset < 0 || offset >= this.size) return false;
    return (this.bytes[offset >> 3] & (1 << (offset & 7))) !== 0;
  }

  set(offset: number): void {
    if (offset < 0 || offset >= this.size) return;
    this.bytes[offset >> 3] |= 1 << (offset & 7);
  }

  clear(offset: number): void {
    if (offset < 0 || offset >= this.size) return;
    this.bytes[offset >> 3] &= ~(1 << (offset & 7));
  }

  count(): number {
    let n = 0;
    for (const b of this.bytes) {
      let v = b;
      while (v) {
        v &= v - 1;
        n++;
      }
    }
    return n;
  }

  /** Offsets that are set, ascending. */
  offsets(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.bytes.length; i++) {
      const b = this.bytes[i];
      if (b === 0) continue;
      for (let j = 0; j < 8; j++) if (b & (1 << j)) out.push(i * 8 + j);
    }
    return out;
  }

  /**
   * First free offset at or after `start` within [lo, hi), wrapping around once
   * inside that window; undefined when the window is full.
   */
  findFree(lo: number, hi: number, start: number, skip?: (offset: number) => boolean): number | undefined {
    const n = hi - lo;
    if (n <= 0) return undefined;
    let i = start < lo || start >= hi ? lo : start;
    for (let scanned = 0; scanned < n;) {
      // skip whole full bytes quickly
      if ((i & 7) === 0 && i + 8 <= hi && this.bytes[i >> 3] === 0xff) {
        scanned += 8;
        i += 8;
        if (i >= hi) i = lo;
        continue;
      }
      if (!this.has(i) && !(skip && skip(i))) return i;
      scanned++;
      i++;
      if (i >= hi) i = lo;
    }
    return undefined;
  }

  /** Big-endian, shortest form (upstream's big.Int.Bytes()). */
  toBigEndian(): Buffer {
    let top = this.bytes.length - 1;
    while (top >= 0 && this.bytes[top] === 0) top--;
    const out = Buffer.alloc(top + 1);
    for (let i = 0; i <= top; i++) out[top - i] = this.bytes[i];
    return out;
  }

  /** Restores from big-endian bytes; bits beyond the size are dropped. */
  static fromBigEndian(size: number, data: Uint8Array): Bitmap {
    const bm = new Bitmap(size);
    const n = data.length;
    for (let j = 0; j < n; j++) {
      const le = n - 1 - j;
      if (le < bm.bytes.length) bm.bytes[le] = data[j];
    }
    // mask off bits past the end
    const extra = bm.bytes.length * 8 - size;
    if (extra > 0 && bm.bytes.length > 0) bm.bytes[bm.bytes.length - 1] &= 0xff >> extra;
    return bm;
  }
}
