#!/usr/bin/env bash
# Train on a Slurm cluster: one task per GPU, started by srun, each running tools/train.py with
# --launcher slurm (MMEngine reads the rank, world size and master node from Slurm's variables).
#
# Usage: [GPUS=4] [GPUS_PER_NODE=4] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] \
#     bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [train.py options]
#   GPUS=8 GPUS_PER_NODE=4 bash tools/slurm_train.sh gpu remix configs/remix/remix_r50.py  # 2 nodes
# PORT (default 29500) is the master port; PYTHON the interpreter (default: python).
# WORK_DIR may be omitted (a first option starting with "-" is a train.py option).
set -euo pipefail
if [ $# -lt 3 ]; then
    sed -n '5,6p' "$0" >&2
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
shift 3
WORK_DIR_ARGS=()
if [ $# -gt 0 ] && [[ $1 != -* ]]; then
    WORK_DIR_ARGS=(--work-dir "$1")
    shift
fi
GPUS=${GPUS:-4}
GPUS_PER_NODE=${GPUS_PER_NODE:-$(( GPUS < 4 ? GPUS : 4 ))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
# MMEngine's slurm launcher takes the master port from MASTER_PORT
export MASTER_PORT=${PORT:-29500}
export PYTHONPATH="$(cd "$(dirname "$0")/.." && pwd)${PYTHONPATH:+:$PYTHONPATH}"
# shellcheck disable=SC2086  # SRUN_ARGS holds several words on purpose
exec srun -p "$PARTITION" --job-name="$JOB_NAME" \
    --gres="gpu:$GPUS_PER_NODE" --ntasks="$GPUS" --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 ${SRUN_ARGS:-} \
    "${PYTHON:-python}" -u tools/train.py "$CONFIG" "${WORK_DIR_ARGS[@]}" --launcher slurm "$@"
