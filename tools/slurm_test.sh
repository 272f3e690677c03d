#!/usr/bin/env bash
# Test a checkpoint on a Slurm cluster: one task per GPU, started by srun, each running
# tools/test.py with --launcher slurm.
#
# Usage: [GPUS=4] [GPUS_PER_NODE=4] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] \
#     bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options]
# PORT (default 29500) is the master port; PYTHON the interpreter (default: python).
set -euo pipefail
if [ $# -lt 4 ]; then
    sed -n '5,6p' "$0" >&2
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
shift 4
GPUS=${GPUS:-4}
GPUS_PER_NODE=${GPUS_PER_NODE:-$(( GPUS < 4 ? GPUS : 4 ))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
export MASTER_PORT=${PORT:-29500}
export PYTHONPATH="$(cd "$(dirname "$0")/.." && pwd)${PYTHONPATH:+:$PYTHONPATH}"
# shellcheck disable=SC2086  # SRUN_ARGS holds several words on purpose
exec srun -p "$PARTITION" --job-name="$JOB_NAME" \
    --gres="gpu:$GPUS_PER_NODE" --ntasks="$GPUS" --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 ${SRUN_ARGS:-} \
    "${PYTHON:-python}" -u tools/test.py "$CONFIG" "$CHECKPOINT" --launcher slurm "$@"
