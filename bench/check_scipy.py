#!/usr/bin/python3
"""The article's DriftDetector loop, timed on the data of bench/check.ts.

usage: check_scipy.py REFERENCE.f64 WINDOW.f64 FEATURES REPEATS -> one JSON line

Both files are row-major little-endian float64 matrices with FEATURES columns
(the numeric features f0..f19). Loading them is not timed: the article's
detector is handed in-memory numpy arrays. Timed (best of REPEATS,
perf_counter) is exactly its loop:

    for i in range(FEATURES):
        statistic, p_value = ks_2samp(reference_data[:, i], production_data[:, i])
"""
import json
import sys
import time

import numpy as np
import scipy
from scipy.stats import ks_2samp

features = int(sys.argv[3])
repeats = int(sys.argv[4])
reference_data = np.fromfile(sys.argv[1], dtype="<f8").reshape(-1, features)
production_data = np.fromfile(sys.argv[2], dtype="<f8").reshape(-1, features)

times = []
results = []
for _ in range(repeats):
    start = time.perf_counter()
    results = []
    for i in range(features):
        statistic, p_value = ks_2samp(reference_data[:, i], production_data[:, i])
        results.append((float(statistic), float(p_value)))
    times.append(time.perf_counter() - start)

print(json.dumps({
    "seconds": min(times),
    "times": times,
    "statistics": [s for s, _ in results],
    "pValues": [p for _, p in results],
    "referenceRows": int(reference_data.shape[0]),
    "windowRows": int(production_data.shape[0]),
    "scipy": scipy.__version__,
    "numpy": np.__version__,
}))
