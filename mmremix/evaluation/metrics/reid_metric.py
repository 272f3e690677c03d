"""ReIDMetric: per-target mAP, CMC and mINP of Re-ID retrieval."""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
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

    Split targets (the domain-generalization protocol): samples carrying ``split_roles`` (one
    entry per split: 0 query, 1 gallery, -1 absent; see
    :class:`~mmremix.datasets.split_reid_dataset.BaseSplitReIDDataset`) are evaluated once per
    split from the features extracted once per image, with the role as camid (query and gallery
    are different views by the protocol, as in torchreid), and reported as the mean and the sample
    standard deviation over the splits (``viper/mAP``, ``viper/mAP_std``, ...). The targets named
    in ``unseen_targets`` are averaged into ``dg/mAP``, ``dg/rank{k}``, ``dg/mINP``; the others
    (targets the model was trained on) keep their own keys and never enter the ``dg/`` mean.

    Sources: Market-1501 protocol and per-target reporting of ReMix (Mamedov et al., WACV 2025),
    evaluation; mean over 10 random splits of the small targets (Gray and Tao, ECCV 2008, and the
    DG literature); mINP from Ye et al., TPAMI 2021; re-ranking from Zhong et al., "Re-ranking
    Person Re-identification with k-reciprocal Encoding", CVPR 2017 (off by default, as in ReMix's
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
        unseen_targets (Sequence[str]): Dataset names averaged into the ``dg/`` keys: the targets
            the model never saw in training. Empty: no ``dg/`` keys. Defaults to ().
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
                 unseen_targets: Sequence[str] = (),
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
        self.unseen_targets = tuple(unseen_targets)
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
                    dataset_name=str(sample['dataset_name']),
                    split_roles=tuple(sample.get('split_roles', ()))))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Evaluate each dataset of ``results`` separately, split targets over their splits.

        Args:
            results (list[dict]): The entries stored by :meth:`process`.

        Returns:
            dict: For each dataset name ``n`` (in order of first appearance): ``'n/mAP'``,
            ``'n/rank{k}'`` for each k of ``topk`` and ``'n/mINP'`` (floats, percent 0-100), and
            ``'n/num_skipped_queries'`` (int, queries without a valid match). For a split target
            these are means over its splits (skipped queries: the sum), with ``'n/mAP_std'``,
            ``'n/rank{k}_std'``, ``'n/mINP_std'`` (sample standard deviations, 0 for one split)
            and ``'n/num_splits'``. With ``unseen_targets``: ``'dg/mAP'``, ``'dg/rank{k}'``,
            ``'dg/mINP'`` (means over the unseen targets) and ``'dg/num_targets'``.

        Raises:
            ValueError: If a dataset (or a split) has no query or no gallery sample, or no query
                of it has a valid match, or (with ``rerank``) re-ranking it would exceed
                ``max_memory_gb``, or a name of ``unseen_targets`` is not among the results.
        """
        groups = defaultdict(list)
        for result in results:
            groups[result['dataset_name']].append(result)
        missing = [name for name in self.unseen_targets if name not in groups]
        if missing:
            raise ValueError(f'ReIDMetric: unseen_targets {missing} are not among the evaluated '
                             f'datasets {list(groups)} (check the dataset_name of each target)')
        logger = MMLogger.get_current_instance()
        metrics = dict()
        for name, items in groups.items():
            features = torch.stack([item['feature'] for item in items])
            pids = torch.tensor([item['pid'] for item in items])
            if items[0]['split_roles']:
                # (N, S): 0 query, 1 gallery, -1 absent; the role is the camid, so every gallery
                # image of a split is from the other view than its queries
                roles = torch.tensor([item['split_roles'] for item in items])
                per_split = []
                for col, split_roles in enumerate(roles.T):
                    inside = split_roles >= 0
                    per_split.append(self._evaluate(
                        f'{name} split {col}', features[inside], pids[inside],
                        split_roles[inside], split_roles[inside] == 0))
                target = {key: float(np.mean([res[key] for res in per_split]))
                          for key in per_split[0] if key != 'num_skipped'}
                stds = {f'{key}_std': float(np.std([res[key] for res in per_split],
                                                   ddof=min(1, len(per_split) - 1)))
                        for key in target}
                skipped = sum(res['num_skipped'] for res in per_split)
                logger.info(f'{name} ({len(per_split)} splits): ' + ' | '.join(
                    f'{key} {value:.2f} +- {stds[key + "_std"]:.2f}'
                    for key, value in target.items()))
                metrics.update({f'{name}/{key}': value for key, value in target.items()})
                metrics.update({f'{name}/{key}': value for key, value in stds.items()})
                metrics[f'{name}/num_splits'] = len(per_split)
            else:
                camids = torch.tensor([item['camid'] for item in items])
                is_query = torch.tensor([item['is_query'] for item in items])
                target = self._evaluate(name, features, pids, camids, is_query)
                skipped = target.pop('num_skipped')
                metrics.update({f'{name}/{key}': value for key, value in target.items()})
            metrics[f'{name}/num_skipped_queries'] = skipped
        if self.unseen_targets:
            keys = ['mAP'] + [f'rank{k}' for k in self.topk] + ['mINP']
            dg = {key: float(np.mean([metrics[f'{name}/{key}'] for name in self.unseen_targets]))
                  for key in keys}
            in_domain = [name for name in groups if name not in self.unseen_targets]
            logger.info(f'dg (mean over the unseen targets {list(self.unseen_targets)}): ' +
                        ' | '.join(f'{key} {value:.2f}' for key, value in dg.items()) +
                        f'; not in the mean (in-domain): {in_domain}')
            metrics.update({f'dg/{key}': value for key, value in dg.items()})
            metrics['dg/num_targets'] = len(self.unseen_targets)
        return metrics

    def _evaluate(self, label: str, features: torch.Tensor, pids: torch.Tensor,
                  camids: torch.Tensor, is_query: torch.Tensor) -> Dict[str, float]:
        """mAP, CMC rank-k and mINP (percent) and ``num_skipped`` of one query / gallery set.

        Args:
            label (str): The target (and split) named in the log line and the errors.
            features (Tensor): float (N, D) features.
            pids (Tensor): int64 (N,) person ids.
            camids (Tensor): int64 (N,) camera ids.
            is_query (Tensor): bool (N,) query flags.

        Raises:
            ValueError: No query or no gallery sample (the hint names ``split_roles``), no valid
                query, or a re-ranking over the memory limit.
        """
        num_query = int(is_query.sum())
        if num_query == 0 or num_query == len(is_query):
            raise ValueError(f'ReIDMetric: dataset "{label}" has {num_query} query and '
                             f'{len(is_query) - num_query} gallery samples; both must be '
                             'non-empty (check `is_query` of its test split; a split target such '
                             'as VIPeR needs `split_roles` packed: '
                             "PackReIDInputs(meta_keys=('split_roles',)))")
        ids = (pids[is_query], pids[~is_query], camids[is_query], camids[~is_query])
        if self.rerank:
            distmat = re_rank(features[is_query], features[~is_query], **self.rerank_cfg)
            res = reid_evaluate_distmat(distmat, *ids, topk=self.topk, chunk_size=self.chunk_size)
        else:
            res = reid_evaluate(features[is_query], features[~is_query], *ids, topk=self.topk,
                                chunk_size=self.chunk_size)
        target = {'mAP': 100 * res['mAP']}
        target.update({f'rank{k}': 100 * float(res['cmc'][k - 1]) for k in self.topk})
        target['mINP'] = 100 * res['mINP']
        shown = f'{label} (re-ranked)' if self.rerank else label
        MMLogger.get_current_instance().info(
            f'{shown}: ' + ' | '.join(f'{key} {value:.2f}' for key, value in target.items()) +
            f' | valid queries {res["num_valid"]} | skipped {res["num_skipped"]}')
        target['num_skipped'] = res['num_skipped']
        return target
