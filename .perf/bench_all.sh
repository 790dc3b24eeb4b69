#!/bin/bash
. /work/wt-13a/.venv/bin/activate
export NUMBA_CACHE_DIR=/work/wt-13a/.numba_cache
cd /work/shared/perf-anchors
echo "== side_by_side BEFORE (main 63ff820)"; PYTHONPATH=/tmp/old13a/src python side_by_side.py
echo "== side_by_side AFTER (issue-13a)"; PYTHONPATH=/work/wt-13a/src python side_by_side.py
cd /tmp/old13a && echo "== bench BEFORE" && PYTHONPATH=src python -m pytest benchmarks/test_engines.py --benchmark-only -p no:cacheprovider --benchmark-columns=median,min,rounds -q 2>&1 | grep -v "^$"
cd /work/wt-13a && echo "== bench AFTER" && PYTHONPATH=src python -m pytest benchmarks/test_engines.py --benchmark-only -p no:cacheprovider --benchmark-columns=median,min,rounds -q 2>&1 | grep -v "^$"
