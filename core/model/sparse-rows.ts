import { base64ToFloat32, base64ToUint32, float32ToBase64, uint32ToBase64 } from './base64.ts';

/**
 * Row-sparse storage of row-major float32 matrices that share a shape: only rows where some matrix holds
 * a value other than +0 are kept. Most hashed feature slots are never seen in training, so this is what
 * keeps artifacts and checkpoints small. A -0 counts as a value, so a round trip is bit-exact.
 */
export interface EncodedRows {
  /** Ascending row numbers, uint32 little-endian, base64. */
  rows: string;
  /** One block per matrix: the kept rows' values, float32 little-endian, base64. */
  blocks: string[];
}

export function encodeRows(matrices: readonly Float32Array[], width: number): EncodedRows {
  const first = matrices[0]!;
  const rowCount = first.length / width;
  const kept: number[] = [];
  for (let r = 0; r < rowCount; r++) {
    if (matrices.some((m) => rowHoldsValue(m, r * width, width))) kept.push(r);
  }
  const blocks = matrices.map((matrix) => {
    const values = new Float32Array(kept.length * width);
    for (let i = 0; i < kept.length; i++)
      values.set(matrix.subarray(kept[i]! * width, (kept[i]! + 1) * width), i * width);
    return float32ToBase64(values);
  });
  return { rows: uint32ToBase64(Uint32Array.from(kept)), blocks };
}

function rowHoldsValue(matrix: Float32Array, start: number, width: number): boolean {
  for (let i = start; i < start + width; i++) {
    const v = matrix[i]!;
    if (v !== 0 || Object.is(v, -0)) return true;
  }
  return false;
}

/** Inverse of encodeRows; throws a plain description of the first inconsistency found. */
export function decodeRows(encoded: EncodedRows, rowCount: number, width: number): Float32Array[] {
  const rows = base64ToUint32(encoded.rows);
  for (let i = 0; i < rows.length; i++) {
    if (rows[i]! >= rowCount) throw new Error(`row ${rows[i]} is out of range (${rowCount} rows)`);
    if (i > 0 && rows[i]! <= rows[i - 1]!) throw new Error('row numbers are not strictly ascending');
  }
  return encoded.blocks.map((block, b) => {
    const values = base64ToFloat32(block);
    if (values.length !== rows.length * width) {
      throw new Error(`block ${b} holds ${values.length} values, expected ${rows.length} rows × ${width}`);
    }
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) throw new Error(`block ${b} holds a non-finite value`);
    }
    const matrix = new Float32Array(rowCount * width);
    for (let i = 0; i < rows.length; i++)
      matrix.set(values.subarray(i * width, (i + 1) * width), rows[i]! * width);
    return matrix;
  });
}
