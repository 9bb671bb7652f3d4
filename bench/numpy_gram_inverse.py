"""NumPy/OpenBLAS reference for the EASE Gram + inverse step (bench/model.bench.ts, issue #15).

Reads a CSR matrix and a ridge vector that the bench wrote (raw little-endian arrays in DIR: indptr.i32,
indices.i32, data.f32, ridge.f64, shape.json), densifies X (not timed), then times what a dense NumPy EASE does
(REFERENCE.md's implementations): G = XᵀX (float64, BLAS syrk), G += diag(ridge), P = inv(G). Prints one JSON line.
"""
import ctypes
import glob
import json
import os
import sys
import time

import numpy as np


def openblas_core() -> str:
    """OpenBLAS's kernel name (SkylakeX, Haswell, ...), or '' when it cannot be read."""
    for lib in glob.glob(os.path.join(os.path.dirname(np.__file__), '..', 'numpy.libs', '*openblas*')):
        for name in ('scipy_openblas_get_corename64_', 'openblas_get_corename64_', 'openblas_get_corename'):
            fn = getattr(ctypes.CDLL(lib), name, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return ''


def main(folder: str) -> None:
    shape = json.load(open(os.path.join(folder, 'shape.json')))
    rows, cols = shape['rows'], shape['cols']
    indptr = np.fromfile(os.path.join(folder, 'indptr.i32'), dtype='<i4')
    indices = np.fromfile(os.path.join(folder, 'indices.i32'), dtype='<i4')
    data = np.fromfile(os.path.join(folder, 'data.f32'), dtype='<f4').astype(np.float64)
    ridge = np.fromfile(os.path.join(folder, 'ridge.f64'), dtype='<f8')
    x = np.zeros((rows, cols))
    x[np.repeat(np.arange(rows), np.diff(indptr)), indices] = data
    started = time.perf_counter()
    g = x.T @ x
    g[np.diag_indices(cols)] += ridge
    gram_done = time.perf_counter()
    p = np.linalg.inv(g)
    done = time.perf_counter()
    print(json.dumps({
        'numpyGramSeconds': round(gram_done - started, 4),
        'numpyInverseSeconds': round(done - gram_done, 4),
        'numpySeconds': round(done - started, 4),
        'numpyVersion': np.__version__,
        'openblasCore': openblas_core(),
        'checksum': float(p[0, 0]),
    }))


if __name__ == '__main__':
    main(sys.argv[1])
