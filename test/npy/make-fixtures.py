"""Writes the .npy fixtures of this folder with numpy and pandas (see PROVENANCE.md).

  /usr/bin/python3 test/npy/make-fixtures.py test/npy

Every features file holds the same 7 × 3 table, value (i, j) = i + 10 j + 0.25, in a
different element order or dtype; targets.npy holds 7 class labels.
"""
import sys

import numpy as np
import pandas as pd

out = sys.argv[1]
table = np.array([[i + 10 * j + 0.25 for j in range(3)] for i in range(7)])
frame = pd.DataFrame({name: table[:, j] for j, name in enumerate("abc")})  # as read_csv builds one
from_pandas = frame.to_numpy()  # pandas keeps a frame's columns apart: the array is column-major
assert from_pandas.flags["F_CONTIGUOUS"] and not from_pandas.flags["C_CONTIGUOUS"]
np.save(f"{out}/pandas-f8-fortran.npy", from_pandas)
np.save(f"{out}/f8-c.npy", np.ascontiguousarray(table))
np.save(f"{out}/i4-fortran.npy", np.asfortranarray(np.floor(table).astype(np.int32)))
np.save(f"{out}/f4-big-endian-fortran.npy", np.asfortranarray(table.astype(">f4")))
np.save(f"{out}/targets.npy", np.array([0, 1, 0, 1, 1, 0, 1], dtype=np.int64))
