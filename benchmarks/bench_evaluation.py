"""Benchmark of ``reid_evaluate`` against a plain per-query loop, at Market-1501 and MSMT17 sizes.

Run ``python benchmarks/bench_evaluation.py`` (a few minutes on 2 CPU cores); it prints a Markdown
table. Each case runs in its own subprocess so that its peak memory (``ru_maxrss``, which also sees
torch's allocations) is measured alone; "peak extra" is the peak during the evaluation minus the
peak after the features were built.

The loop is the classic evaluator, the reference of the unit tests (``loop_reference`` in
tests/test_evaluation/test_reid_evaluation.py): one full (Nq, Ng) distance matrix, then per query
a stable argsort, the junk mask and the AP / INP / CMC of that query in numpy. At MSMT17 size it
runs on the first ``--loop-queries`` queries only; its time and its memory (adding the
distance-matrix rows of the other queries, 4 bytes each) are extrapolated linearly to all queries
and marked so.

The features are synthetic: an identity centre plus Gaussian noise, L2-normalised, float32.
"""
import argparse
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from mmremix.evaluation.functional import reid_evaluate

SIZES = dict(
    market1501=dict(num_query=3368, num_gallery=15913, num_ids=750, num_cams=6, distractors=2793),
    msmt17=dict(num_query=11659, num_gallery=82161, num_ids=3060, num_cams=15, distractors=0))
TOPK = (1, 5, 10)


def make_split(num_query, num_gallery, num_ids, num_cams, distractors, dim, seed=0):
    """Synthetic test split: features (N, dim) float32 unit rows, pids (pid 0 = distractor), camids.

    Rows are filled block by block so that building them needs no second (N, dim) buffer.
    """
    gen = torch.Generator().manual_seed(seed)
    centers = torch.nn.functional.normalize(torch.randn(num_ids + 1, dim, generator=gen), dim=1)
    query_pids = torch.randint(1, num_ids + 1, (num_query, ), generator=gen)
    gallery_pids = torch.randint(1, num_ids + 1, (num_gallery, ), generator=gen)
    gallery_pids[torch.randperm(num_gallery, generator=gen)[:distractors]] = 0
    pids = torch.cat([query_pids, gallery_pids])
    camids = torch.randint(0, num_cams, (num_query + num_gallery, ), generator=gen)
    feats = torch.randn(num_query + num_gallery, dim, generator=gen).mul_(4 / dim**0.5)
    for start in range(0, len(feats), 8192):
        block = feats[start:start + 8192]
        block.add_(centers[pids[start:start + 8192]])
        block.div_(block.norm(dim=1, keepdim=True))
    return (feats[:num_query], feats[num_query:], query_pids, gallery_pids, camids[:num_query],
            camids[num_query:])


def load_loop_reference():
    """The plain per-query loop that the unit tests check ``reid_evaluate`` against."""
    path = Path(__file__).resolve().parents[1] / 'tests/test_evaluation/test_reid_evaluation.py'
    spec = importlib.util.spec_from_file_location('reid_loop_reference', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.loop_reference


def max_rss_mib():
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(dataset, method, dim, loop_queries):
    """Build one split, evaluate it with one method and print a JSON line of the measurements."""
    size = SIZES[dataset]
    split = make_split(dim=dim, **size)
    num_run = size['num_query']
    if method == 'loop':
        if dataset == 'msmt17':
            num_run = min(loop_queries, num_run)
        split = [x.numpy() for x in split]
        split[0], split[2], split[4] = split[0][:num_run], split[2][:num_run], split[4][:num_run]
    base_rss = max_rss_mib()
    start = time.perf_counter()
    if method == 'loop':
        result = load_loop_reference()(*split, max_rank=max(TOPK))
    else:
        result = reid_evaluate(*split, topk=TOPK)
    seconds = time.perf_counter() - start
    print(json.dumps(dict(
        num_run=num_run, seconds=seconds, extra_mib=max_rss_mib() - base_rss,
        mAP=100 * float(result['mAP']), rank1=100 * float(result['cmc'][0]))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dim', type=int, default=2048, help='feature dimension')
    parser.add_argument(
        '--loop-queries', type=int, default=500, help='queries the loop runs at MSMT17 size')
    parser.add_argument('--case', nargs=2, metavar=('DATASET', 'METHOD'), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        run_case(*args.case, dim=args.dim, loop_queries=args.loop_queries)
        return

    print(f'machine: {platform.machine()}, {os.cpu_count()} CPUs, torch threads '
          f'{torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f} at start, '
          f'torch {torch.__version__}, numpy {np.__version__}; D={args.dim}, float32 features, '
          f'topk={TOPK}\n')
    print('| size (Nq x Ng) | method | queries run | time (s) | time, all queries (s) '
          '| peak extra RSS (MiB) | mAP (%) | rank-1 (%) |')
    print('|---|---|---|---|---|---|---|---|')
    cases = [('market1501', 'reid_evaluate'), ('market1501', 'loop'),
             ('msmt17', 'reid_evaluate'), ('msmt17', 'loop')]
    for dataset, method in cases:
        out = subprocess.run(
            [sys.executable, __file__, '--dim', str(args.dim), '--loop-queries',
             str(args.loop_queries), '--case', dataset, method],
            check=True, capture_output=True, text=True).stdout
        res = json.loads(out.strip().splitlines()[-1])
        size = SIZES[dataset]
        scale = size['num_query'] / res['num_run']
        total, extra, note = f'{res["seconds"]:.1f}', f'{res["extra_mib"]:.0f}', ''
        if scale > 1:
            missing_rows = (size['num_query'] - res['num_run']) * size['num_gallery']
            total = f'{res["seconds"] * scale:.0f} (extrapolated)'
            full_mib = res['extra_mib'] + missing_rows * 4 / 2**20
            extra = f'{res["extra_mib"]:.0f} ({full_mib:.0f} extrapolated)'
            note = ' (subset)'
        label = 'per-query loop' if method == 'loop' else 'reid_evaluate'
        print(f'| {dataset} ({size["num_query"]:,} x {size["num_gallery"]:,}) | {label} '
              f'| {res["num_run"]:,} | {res["seconds"]:.1f} | {total} | {extra} '
              f'| {res["mAP"]:.2f}{note} | {res["rank1"]:.2f}{note} |')


if __name__ == '__main__':
    main()
