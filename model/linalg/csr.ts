/** Compressed sparse rows, as in scipy and implicit: row r's entries are indices/data[indptr[r] .. indptr[r+1]). */
export interface Csr {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float32Array;
}

/**
 * Builds a CSR matrix from (row, col, value) triples. Duplicate cells are summed and each row's columns come out
 * sorted, so the result does not depend on the triples' order.
 */
export function csrFromTriples(
  rows: number,
  cols: number,
  rowIdx: Int32Array,
  colIdx: Int32Array,
  values: Float32Array,
): Csr {
  const n = rowIdx.length;
  if (colIdx.length !== n || values.length !== n)
    throw new RangeError('csrFromTriples: triple arrays differ in length');
  const counts = new Int32Array(rows + 1);
  for (let t = 0; t < n; t++) {
    const r = rowIdx[t];
    const c = colIdx[t];
    if (r < 0 || r >= rows || c < 0 || c >= cols)
      throw new RangeError(`csrFromTriples: cell (${r}, ${c}) out of range`);
    counts[r + 1]++;
  }
  for (let r = 0; r < rows; r++) counts[r + 1] += counts[r];
  const fill = counts.slice(0, rows);
  const idx = new Int32Array(n);
  const val = new Float32Array(n);
  for (let t = 0; t < n; t++) {
    const p = fill[rowIdx[t]]++;
    idx[p] = colIdx[t];
    val[p] = values[t];
  }
  // Sort each row by column (insertion sort: rows are short) and merge duplicates in place.
  const indptr = new Int32Array(rows + 1);
  let out = 0;
  for (let r = 0; r < rows; r++) {
    const start = counts[r];
    const end = counts[r + 1];
    for (let i = start + 1; i < end; i++) {
      const c = idx[i];
      const v = val[i];
      let j = i - 1;
      while (j >= start && idx[j] > c) {
        idx[j + 1] = idx[j];
        val[j + 1] = val[j];
        j--;
      }
      idx[j + 1] = c;
      val[j + 1] = v;
    }
    indptr[r] = out;
    for (let i = start; i < end; i++) {
      if (out > indptr[r] && idx[out - 1] === idx[i]) val[out - 1] += val[i];
      else {
        idx[out] = idx[i];
        val[out] = val[i];
        out++;
      }
    }
  }
  indptr[rows] = out;
  return { rows, cols, indptr, indices: idx.slice(0, out), data: val.slice(0, out) };
}

/** Transpose (CSR of the columns), rows stay sorted. */
export function transpose(m: Csr): Csr {
  const nnz = m.indptr[m.rows];
  const indptr = new Int32Array(m.cols + 1);
  for (let p = 0; p < nnz; p++) indptr[m.indices[p] + 1]++;
  for (let c = 0; c < m.cols; c++) indptr[c + 1] += indptr[c];
  const fill = indptr.slice(0, m.cols);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      const q = fill[m.indices[p]]++;
      indices[q] = r;
      data[q] = m.data[p];
    }
  }
  return { rows: m.cols, cols: m.rows, indptr, indices, data };
}

/** Number of stored entries. */
export const nnz = (m: Csr): number => m.indptr[m.rows];
