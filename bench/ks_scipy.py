#!/usr/bin/python3
"""Times scipy.stats.ks_2samp on float64 samples written by bench/ks.ts.

usage: ks_scipy.py A.f64 B.f64 REPEATS -> one JSON line on stdout
Only the ks_2samp call is timed (best of REPEATS, perf_counter).
"""
import json
import sys
import time

import numpy as np
import scipy
from scipy import stats

a = np.fromfile(sys.argv[1], dtype="<f8")
b = np.fromfile(sys.argv[2], dtype="<f8")
repeats = int(sys.argv[3])
best = float("inf")
result = None
for _ in range(repeats):
    start = time.perf_counter()
    result = stats.ks_2samp(a, b)
    best = min(best, time.perf_counter() - start)
print(json.dumps({"seconds": best, "statistic": float(result.statistic),
                  "pValue": float(result.pvalue), "scipy": scipy.__version__}))
