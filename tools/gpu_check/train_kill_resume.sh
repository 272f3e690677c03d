#!/usr/bin/env bash
# Step 3 of the GPU check: train, SIGKILL in the middle of an epoch, resume, check the resume.
# Usage: bash tools/gpu_check/train_kill_resume.sh CONFIG WORK_DIR KILL_AFTER_ITER [train.py options]
# 1. tools/train.py CONFIG in its own process group (dataloader workers included);
# 2. once WORK_DIR/last_checkpoint names iter_<KILL_AFTER_ITER>.pth, SIGKILL to the whole group;
# 3. tools/train.py CONFIG --resume (MMEngine resumes from WORK_DIR's last checkpoint);
# 4. checks that the refresh hook restored the epoch's pseudo-labels at that iteration (the
#    mid-epoch resume path), that training ended with the last iteration's checkpoint and that the
#    final validation reported metrics. Logs: WORK_DIR/first_run.log and resumed_run.log.
# Exit status 0 when every check passes. PYTHON: the interpreter (default python3).
set -uo pipefail
CONFIG=$1
WORK=$2
KILL_AT=$3
shift 3
PY=${PYTHON:-python3}
fail() {
    echo "train_kill_resume: FAIL: $1" >&2
    [ -n "${2:-}" ] && tail -n 40 "$2" >&2
    exit 1
}
rm -rf "$WORK" && mkdir -p "$WORK"
start=$(date +%s)
setsid "$PY" tools/train.py "$CONFIG" --work-dir "$WORK" "$@" > "$WORK/first_run.log" 2>&1 &
pid=$!
# the first run has its own session: end it too if this script is stopped (e.g. by timeout)
trap 'kill -9 -- "-$pid" 2>/dev/null' EXIT
trap 'exit 143' TERM INT
target="iter_${KILL_AT}.pth"
until [ -f "$WORK/last_checkpoint" ] && grep -q "$target" "$WORK/last_checkpoint"; do
    kill -0 "$pid" 2>/dev/null || fail "the first run ended before writing $target" \
        "$WORK/first_run.log"
    sleep 0.5
done
kill -9 -- "-$pid"
wait "$pid" 2>/dev/null
echo "train_kill_resume: SIGKILL after $target ($(( $(date +%s) - start )) s)"
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK" --resume "$@" > "$WORK/resumed_run.log" 2>&1 \
    || fail 'the resumed run failed' "$WORK/resumed_run.log"
grep -q "resumed at iteration $KILL_AT" "$WORK/resumed_run.log" \
    || fail "the resumed run did not restore the epoch's pseudo-labels at iteration $KILL_AT" \
        "$WORK/resumed_run.log"
last=$(ls "$WORK" | sed -n 's/^iter_\([0-9]*\)\.pth$/\1/p' | sort -n | tail -n 1)
[ -n "$last" ] && [ "$last" -gt "$KILL_AT" ] || fail 'no checkpoint after the resume' \
    "$WORK/resumed_run.log"
metrics=$(grep -o '[A-Za-z0-9_]*/mAP: [0-9.]*.*' "$WORK/resumed_run.log" | tail -n 1)
[ -n "$metrics" ] || fail 'no validation metrics after training' "$WORK/resumed_run.log"
grep -h 'ReMix refresh (epoch' "$WORK/first_run.log" "$WORK/resumed_run.log" | sed 's/^.*ReMix/ReMix/'
grep -h 'Iter(train)\|Epoch(train)' "$WORK/resumed_run.log" | tail -n 1 | sed 's/^.*mmengine - INFO - //'
echo "train_kill_resume: PASS: killed after iteration $KILL_AT, resumed there, trained to" \
    "iteration $last ($(( $(date +%s) - start )) s in all); $metrics"
