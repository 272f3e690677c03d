#!/usr/bin/env bash
# Step 1 of the GPU check, on a machine that reaches PyPI: download the wheels of
# tools/gpu_check/requirements.txt for CPython 3.12 on manylinux x86_64 into a folder (default
# work_dirs/gpu_wheels, beside the repository's files), to copy along with the repository to the GPU machine.
# Usage: bash tools/gpu_check/download_wheels.sh [DIR]      (PYTHON: the pip to use, default python3)
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${1:-work_dirs/gpu_wheels}
LIMIT_MB=60
mkdir -p "$DIR"
"${PYTHON:-python3}" -m pip download --no-deps --only-binary=:all: \
    --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
    -r tools/gpu_check/requirements.txt -d "$DIR"
size_mb=$(du -sm "$DIR" | cut -f1)
echo "download_wheels: $(ls "$DIR"/*.whl | wc -l) wheels, ${size_mb} MB in $DIR"
if [ "$size_mb" -gt "$LIMIT_MB" ]; then
    echo "download_wheels: more than ${LIMIT_MB} MB: remove older versions from $DIR" >&2
    exit 1
fi
