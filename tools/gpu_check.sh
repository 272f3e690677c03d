#!/usr/bin/env bash
# mmremix's GPU check in one command, on a machine with CUDA (under 8 minutes on one H200):
#   1. installs the packages the machine lacks from a folder of wheels, when mmengine is not
#      importable (the folder: tools/gpu_check/download_wheels.sh, run beforehand where PyPI is
#      reachable; the wheels go to /tmp/mmremix_site, nothing else is changed);
#   2. runs the tests that can use CUDA (those that train or extract through a runner, which puts
#      the model on the GPU), on CUDA;
#   3. trains remix_r50.py's model and pipeline on the synthetic data at 256 x 128 with AMP for 50
#      iterations (an epoch-start refresh per epoch, a checkpoint every 10 iterations), SIGKILLs
#      it after iteration 30 (in the middle of epoch 2) and resumes it
#      (tools/gpu_check/train_kill_resume.sh with tools/gpu_check/remix_r50_synthetic_256x128.py);
#   4. runs benchmarks/bench_train_overhead.py on CUDA (ReMix against the bare loop, img/s).
# Without CUDA it says so and exits with status 3 before doing anything. Exit status 1 when a step
# failed, 0 when all passed. Logs and summary.txt in OUT.
#
# Usage: bash tools/gpu_check.sh [WHEEL_DIR]
#   WHEEL_DIR: default work_dirs/gpu_wheels; PYTHON: default python3; OUT: default work_dirs/gpu_check
#   GPU_CHECK_TESTS: the pytest targets of step 2 (default below)
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
WHEELS=${1:-work_dirs/gpu_wheels}
OUT=${OUT:-work_dirs/gpu_check}
TESTS=${GPU_CHECK_TESTS:-tests/test_engine tests/test_apis tests/test_tools/test_train_test_tools.py \
tests/test_evaluation/test_reid_metric.py tests/test_models/test_remix.py}

if ! "$PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' \
        >/dev/null 2>&1; then
    echo "gpu_check: no CUDA device: $PYTHON cannot import torch or torch.cuda.is_available()" \
        "is False. Nothing was checked; run this on a machine with an NVIDIA GPU." >&2
    exit 3
fi
mkdir -p "$OUT"
SUMMARY=$OUT/summary.txt
"$PYTHON" -c 'import torch; print(f"gpu_check on {torch.cuda.get_device_name()}, torch" \
    f" {torch.__version__}, CUDA {torch.version.cuda}")' | tee "$SUMMARY"
failed=0
record() {  # record STEP STATUS SECONDS
    local verdict=PASS
    [ "$2" -ne 0 ] && { verdict="FAIL (status $2)"; failed=1; }
    echo "step $1: $verdict, $3 s" | tee -a "$SUMMARY"
}

# 1. packages
start=$(date +%s)
status=0
if ! "$PYTHON" -c 'import mmengine, mmcv, mmpretrain, faiss' >/dev/null 2>&1; then
    if ls "$WHEELS"/*.whl >/dev/null 2>&1; then
        timeout 120 "$PYTHON" -m pip install -q --no-index --no-deps --no-compile \
            --no-cache-dir --upgrade --target /tmp/mmremix_site "$WHEELS"/*.whl \
            > "$OUT/install.log" 2>&1 || status=$?
        export PYTHONPATH=/tmp/mmremix_site${PYTHONPATH:+:$PYTHONPATH}
    else
        echo "gpu_check: mmengine / mmcv / mmpretrain / faiss missing and no wheels in $WHEELS" \
            "(run tools/gpu_check/download_wheels.sh where PyPI is reachable)" >&2
        status=2
    fi
    if ! "$PYTHON" -c 'import mmengine, mmcv, mmpretrain, faiss' >> "$OUT/install.log" 2>&1; then
        [ "$status" -eq 0 ] && status=4
    fi
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
record '1 (packages)' "$status" $(( $(date +%s) - start ))
[ "$status" -ne 0 ] && { tail -n 20 "$OUT/install.log" >&2; exit 1; }

# 2. tests on CUDA (pytest-xdist spreads them over 4 processes when present)
start=$(date +%s)
parallel=()
"$PYTHON" -c 'import xdist' >/dev/null 2>&1 && parallel=(-n 4)
# shellcheck disable=SC2086  # TESTS is a list of paths
timeout 240 "$PYTHON" -m pytest -q -p no:cacheprovider "${parallel[@]}" $TESTS \
    > "$OUT/tests.log" 2>&1
status=$?
tail -n 1 "$OUT/tests.log" | tee -a "$SUMMARY"
record '2 (tests on CUDA)' "$status" $(( $(date +%s) - start ))

# 3. ReMix R50 at 256 x 128, AMP: 50 iterations, SIGKILL after 30, mid-epoch resume
start=$(date +%s)
PYTHON=$PYTHON timeout 240 bash tools/gpu_check/train_kill_resume.sh \
    tools/gpu_check/remix_r50_synthetic_256x128.py "$OUT/train" 30 --amp \
    > "$OUT/train.log" 2>&1
status=$?
grep 'ReMix refresh\|Iter(train)\|Epoch(train)\|train_kill_resume' "$OUT/train.log" \
    | tee -a "$SUMMARY"
record '3 (ReMix R50 256x128 AMP, kill + resume)' "$status" $(( $(date +%s) - start ))

# 4. training overhead on CUDA
start=$(date +%s)
timeout 120 "$PYTHON" tools/gpu_check/bench_train_overhead_cuda.py --backbones resnet50 resnet18 \
    --height 256 --width 128 --reps 10 --warmup 2 --threads 8 > "$OUT/bench_train_overhead.log" 2>&1
status=$?
grep '^|\|^#\|over bare' "$OUT/bench_train_overhead.log" >> "$SUMMARY"
record '4 (bench_train_overhead on CUDA)' "$status" $(( $(date +%s) - start ))

echo "gpu_check: $([ $failed -eq 0 ] && echo 'all steps passed' || echo 'FAILED'); logs in $OUT" \
    | tee -a "$SUMMARY"
exit $failed
