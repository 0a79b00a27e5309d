/**
 * .npy (format version 1.0) writing for fixtures in --format npy: one-dimensional,
 * little-endian arrays that grow as cases are appended (a "pool"); a case refers to a slice
 * of a pool by offset and shape (docs/fixtures.md). The header has a fixed size (128 bytes)
 * so that it can be rewritten with the final length when the pool is closed.
 *
 * Element encodings: '<f8' float64, '<f4' float32, '<f2' IEEE binary16, '<u2' the raw bits of
 * bfloat16 (numpy has no bfloat16 dtype). NaN is always the canonical quiet NaN of its
 * format (0x7ff8000000000000, 0x7fc00000, 0x7e00, 0x7fc0); values must already lie on the
 * format's grid (the reference's correctly rounded values do), anything else throws.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { FORMATS, isRepresentable } from '../core/floats.js';

export type NpyDtype = '<f8' | '<f4' | '<f2' | '<u2';

const ITEM: Record<NpyDtype, number> = { '<f8': 8, '<f4': 4, '<f2': 2, '<u2': 2 };
const HEADER_BYTES = 128;

/** The header of a 1-D little-endian C-order array, padded to `total` bytes. */
export function npyHeader(dtype: NpyDtype, length: number, total = HEADER_BYTES): Buffer {
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${length},), }`;
  const headerLen = total - 10;
  if (dict.length + 1 > headerLen) throw new Error(`npy header too long for ${length} elements`);
  const buf = Buffer.alloc(total, 0x20);
  buf.write('\x93NUMPY', 0, 'latin1');
  buf[6] = 1;
  buf[7] = 0;
  buf.writeUInt16LE(headerLen, 8);
  buf.write(dict, 10, 'latin1');
  buf[total - 1] = 0x0a;
  return buf;
}

/** IEEE binary16 bits of a double that is exactly a float16 (or NaN / ±Infinity). */
export function float16Bits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === Infinity) return sign | 0x7c00;
  if (a === 0) return sign;
  if (!isRepresentable(v, FORMATS.float16)) throw new RangeError(`${v} is not a float16 value`);
  if (a < 2 ** -14) return sign | (a * 2 ** 24); // subnormal: a multiple of 2^-24
  const e = Math.floor(Math.log2(a));
  // Math.log2 may be off by one next to a power of two: fix e so that 2^e <= a < 2^(e+1)
  const ee = a < 2 ** e ? e - 1 : a >= 2 ** (e + 1) ? e + 1 : e;
  const frac = a / 2 ** ee - 1; // exact: a has at most 11 significant bits
  return sign | ((ee + 15) << 10) | (frac * 1024);
}

const f32 = new DataView(new ArrayBuffer(4));

/** bfloat16 bits of a double that is exactly a bfloat16 (or NaN / ±Infinity). */
export function bfloat16Bits(v: number): number {
  if (Number.isNaN(v)) return 0x7fc0;
  if (!isRepresentable(v, FORMATS.bfloat16) && Number.isFinite(v)) throw new RangeError(`${v} is not a bfloat16 value`);
  f32.setFloat32(0, v);
  return f32.getUint32(0) >>> 16;
}

/** A growing 1-D array written to an open file, closed with its final header. */
export class NpyPool {
  readonly dtype: NpyDtype;
  private fd: number;
  private length = 0;
  private chunk: Buffer;
  private used = 0;

  constructor(path: string, dtype: NpyDtype) {
    this.dtype = dtype;
    this.fd = openSync(path, 'w');
    writeSync(this.fd, npyHeader(dtype, 0));
    this.chunk = Buffer.alloc(1 << 16);
  }

  get size(): number {
    return this.length;
  }

  /** Append values; returns the offset of the first one. */
  append(values: readonly number[]): number {
    const offset = this.length;
    const item = ITEM[this.dtype];
    for (const v of values) {
      if (this.used + item > this.chunk.length) this.flush();
      const b = this.chunk;
      const at = this.used;
      switch (this.dtype) {
        case '<f8':
          if (Number.isNaN(v)) b.writeBigUInt64LE(0x7ff8000000000000n, at);
          else b.writeDoubleLE(v, at);
          break;
        case '<f4':
          if (Number.isNaN(v)) b.writeUInt32LE(0x7fc00000, at);
          else {
            if (Number.isFinite(v) && Math.fround(v) !== v) throw new RangeError(`${v} is not a float32 value`);
            b.writeFloatLE(v, at);
          }
          break;
        case '<f2':
          b.writeUInt16LE(float16Bits(v), at);
          break;
        case '<u2':
          b.writeUInt16LE(bfloat16Bits(v), at);
          break;
      }
      this.used += item;
      this.length += 1;
    }
    return offset;
  }

  private flush(): void {
    if (this.used > 0) writeSync(this.fd, this.chunk, 0, this.used);
    this.used = 0;
  }

  close(): void {
    this.flush();
    writeSync(this.fd, npyHeader(this.dtype, this.length), 0, HEADER_BYTES, 0);
    closeSync(this.fd);
  }

  /** Close without caring about the content (error paths). */
  abandon(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

/** Flatten a nested result / argument in row-major order, with its shape. */
export function flatten(v: unknown): { values: number[]; shape: number[] } {
  if (!Array.isArray(v)) return { values: [v as number], shape: [] };
  if (v.length > 0 && Array.isArray(v[0])) {
    const rows = v as number[][];
    return { values: rows.flat(), shape: [rows.length, rows[0].length] };
  }
  return { values: v as number[], shape: [v.length] };
}
