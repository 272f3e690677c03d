"""ReIDMetric: per-target mAP, CMC and mINP of Re-ID retrieval."""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmremix.evaluation.functional import re_rank, reid_evaluate, reid_evaluate_distmat
from mmremix.registry import METRICS

REQUIRED_FIELDS = ('feature', 'pid', 'camid', 'is_query', 'dataset_name')
RERANK_KEYS = ('k1', 'k2', 'lambda_value', 'max_memory_gb')


@METRICS.register_module()
class ReIDMetric(BaseMetric):
    """Re-ID retrieval metric: mAP, CMC rank-k and mINP of each target dataset, in percent.

    ``process`` keeps, for each predicted sample, its feature (on CPU), pid, camid, query/gallery
    flag and dataset name. ``compute_metrics`` groups the samples by ``dataset_name`` and runs
    :func:`mmremix.evaluation.functional.reid_evaluate` on each group, so several test targets of
    one run are evaluated separately and reported under their names. It also logs one line per
    target. With ``rerank=True`` each target's query-gallery distances are first re-ranked with
    :func:`mmremix.evaluation.functional.re_rank` (k-reciprocal encoding) and ranked with
    :func:`mmremix.evaluation.functional.reid_evaluate_distmat`; the keys stay the same.

    Sources: Market-1501 protocol and per-target reporting of ReMix (Mamedov et al., WACV 2025),
    evaluation; mINP from Ye et al., TPAMI 2021; re-ranking from Zhong et al., "Re-ranking Person
    Re-identification with k-reciprocal Encoding", CVPR 2017 (off by default, as in ReMix's
    results). The key layout is a design choice of mmremix.

    Args:
        topk (Sequence[int]): CMC ranks reported as ``rank{k}``. Defaults to (1, 5, 10).
        chunk_size (int, optional): Queries per chunk of :func:`reid_evaluate`; None lets it
            choose from its memory budget. Design choice of mmremix. Defaults to None.
        rerank (bool): Re-rank the distances with k-reciprocal encoding before ranking.
            Defaults to False.
        rerank_cfg (dict, optional): Keyword arguments of :func:`re_rank`: ``k1``, ``k2``,
            ``lambda_value`` and ``max_memory_gb``; missing keys take re_rank's defaults
            (k1=20, k2=6, lambda_value=0.3, max_memory_gb=16). Defaults to None (all defaults).
        collect_device (str): Device used to collect results across ranks, 'cpu' or 'gpu'.
            Defaults to 'cpu'.
        prefix (str, optional): Prefix added by MMEngine to every key. None keeps the keys as
            ``'{dataset_name}/...'`` (the default prefix is None). Defaults to None.

    Raises:
        ValueError: If ``topk`` is empty or holds a rank below 1, or ``rerank_cfg`` has a key
            other than those of :func:`re_rank` listed above.

    Examples:
        >>> import torch
        >>> from mmengine.logging import MMLogger
        >>> metric = ReIDMetric(topk=(1,), prefix='reid')
        >>> samples = [
        ...     dict(feature=torch.tensor([1., 0.]), pid=1, camid=0, is_query=True,
        ...          dataset_name='toy'),
        ...     dict(feature=torch.tensor([1., 0.]), pid=1, camid=1, is_query=False,
        ...          dataset_name='toy'),
        ...     dict(feature=torch.tensor([0., 1.]), pid=2, camid=1, is_query=False,
        ...          dataset_name='toy')]
        >>> metric.process(None, samples)
        >>> # A runner creates the current logger; this one hides the per-target INFO line.
        >>> logger = MMLogger.get_instance('reid_metric_example', log_level='WARNING')
        >>> metrics = metric.compute_metrics(metric.results)
        >>> metrics['toy/rank1'], metrics['toy/num_skipped_queries']
        (100.0, 0)

        In a config:

        .. code:: python

            test_evaluator = dict(type='ReIDMetric', topk=(1, 5, 10))
            # with k-reciprocal re-ranking (``tools/test.py --rerank`` sets rerank=True)
            test_evaluator = dict(type='ReIDMetric', rerank=True,
                                  rerank_cfg=dict(k1=20, k2=6, lambda_value=0.3))
    """
    # keys are already '{dataset_name}/...'; an empty prefix keeps them so (and MMEngine quiet)
    default_prefix: Optional[str] = ''

    def __init__(self,
                 topk: Sequence[int] = (1, 5, 10),
                 chunk_size: Optional[int] = None,
                 rerank: bool = False,
                 rerank_cfg: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        if len(topk) == 0 or min(topk) < 1:
            raise ValueError(f'ReIDMetric: `topk` must be a non-empty sequence of positive ranks, '
                             f'got {tuple(topk)}')
        unknown = set(rerank_cfg or {}) - set(RERANK_KEYS)
        if unknown:
            raise ValueError(f'ReIDMetric: `rerank_cfg` has unknown key(s) {sorted(unknown)}; '
                             f'expected a subset of {list(RERANK_KEYS)}')
        self.topk = tuple(topk)
        self.chunk_size = chunk_size
        self.rerank = rerank
        self.rerank_cfg = dict(rerank_cfg or {})
        super().__init__(collect_device=collect_device, prefix=prefix)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Store the feature (float32, CPU) and labels of each predicted sample.

        Args:
            data_batch: The batch from the dataloader (unused).
            data_samples (Sequence[dict]): Predicted samples as dicts with ``feature`` (Tensor of
                shape (D,)), ``pid`` (int), ``camid`` (int), ``is_query`` (bool) and
                ``dataset_name`` (str).

        Raises:
            KeyError: If a sample lacks one of these fields.
        """
        for sample in data_samples:
            missing = [field for field in REQUIRED_FIELDS if field not in sample]
            if missing:
                raise KeyError(f'ReIDMetric.process: data sample lacks field(s) {missing}; '
                               f'expected {list(REQUIRED_FIELDS)} (set by PackReIDInputs and '
                               'model.predict)')
            self.results.append(
                dict(
                    feature=sample['feature'].detach().float().cpu(),
                    pid=int(sample['pid']),
                    camid=int(sample['camid']),
                    is_query=bool(sample['is_query']),
                    dataset_name=str(sample['dataset_name'])))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Evaluate each dataset of ``results`` separately.

        Args:
            results (list[dict]): The entries stored by :meth:`process`.

        Returns:
            dict: For each dataset name ``n`` (in order of first appearance): ``'n/mAP'``,
            ``'n/rank{k}'`` for each k of ``topk`` and ``'n/mINP'`` (floats, percent 0-100), and
            ``'n/num_skipped_queries'`` (int, queries without a valid match).

        Raises:
            ValueError: If a dataset has no query or no gallery sample, or no query of it has a
                valid match, or (with ``rerank``) re-ranking it would exceed ``max_memory_gb``.
        """
        groups = defaultdict(list)
        for result in results:
            groups[result['dataset_name']].append(result)
        logger = MMLogger.get_current_instance()
        metrics = dict()
        for name, items in groups.items():
            features = torch.stack([item['feature'] for item in items])
            pids = torch.tensor([item['pid'] for item in items])
            camids = torch.tensor([item['camid'] for item in items])
            is_query = torch.tensor([item['is_query'] for item in items])
            num_query = int(is_query.sum())
            if num_query == 0 or num_query == len(items):
                raise ValueError(f'ReIDMetric: dataset "{name}" has {num_query} query and '
                                 f'{len(items) - num_query} gallery samples; both must be '
                                 'non-empty (check `is_query` of its test split)')
            ids = (pids[is_query], pids[~is_query], camids[is_query], camids[~is_query])
            if self.rerank:
                distmat = re_rank(features[is_query], features[~is_query], **self.rerank_cfg)
                res = reid_evaluate_distmat(
                    distmat, *ids, topk=self.topk, chunk_size=self.chunk_size)
            else:
                res = reid_evaluate(
                    features[is_query],
                    features[~is_query],
                    *ids,
                    topk=self.topk,
                    chunk_size=self.chunk_size)
            target = {'mAP': 100 * res['mAP']}
            target.update({f'rank{k}': 100 * float(res['cmc'][k - 1]) for k in self.topk})
            target['mINP'] = 100 * res['mINP']
            label = f'{name} (re-ranked)' if self.rerank else name
            logger.info(f'{label}: ' + ' | '.join(f'{key} {value:.2f}'
                                                  for key, value in target.items()) +
                        f' | valid queries {res["num_valid"]} | skipped {res["num_skipped"]}')
            metrics.update({f'{name}/{key}': value for key, value in target.items()})
            metrics[f'{name}/num_skipped_queries'] = res['num_skipped']
        return metrics
