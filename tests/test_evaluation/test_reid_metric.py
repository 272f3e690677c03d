import pytest
import torch
from mmengine.logging import MMLogger

from mmremix.evaluation.functional import reid_evaluate
from mmremix.evaluation.metrics import ReIDMetric
from mmremix.registry import METRICS


def make_target(name, seed, num_query=6, num_gallery=30):
    """Samples of one target as the Evaluator passes them, plus the function's inputs."""
    gen = torch.Generator().manual_seed(seed)
    feats = torch.nn.functional.normalize(torch.randn(num_query + num_gallery, 8, generator=gen))
    pids = torch.randint(0, 4, (num_query + num_gallery, ), generator=gen)
    camids = torch.randint(0, 3, (num_query + num_gallery, ), generator=gen)
    is_query = torch.arange(num_query + num_gallery) < num_query
    samples = [
        dict(feature=f, pid=int(p), camid=int(c), is_query=bool(q), dataset_name=name)
        for f, p, c, q in zip(feats, pids, camids, is_query)
    ]
    inputs = (feats[:num_query], feats[num_query:], pids[:num_query], pids[num_query:],
              camids[:num_query], camids[num_query:])
    return samples, inputs


def test_two_targets_give_prefixed_keys_and_function_values():
    samples_a, inputs_a = make_target('market', seed=0)
    samples_b, inputs_b = make_target('dukemtmc', seed=1)
    metric = METRICS.build(dict(type='ReIDMetric', topk=(1, 5)))
    # Interleaved batches, as from a ReIDConcatDataset with a shuffled order.
    mixed = [s for pair in zip(samples_a, samples_b) for s in pair]
    for start in range(0, len(mixed), 5):
        metric.process(None, mixed[start:start + 5])
    metrics = metric.compute_metrics(metric.results)

    assert list(metrics) == [
        'market/mAP', 'market/rank1', 'market/rank5', 'market/mINP', 'market/num_skipped_queries',
        'dukemtmc/mAP', 'dukemtmc/rank1', 'dukemtmc/rank5', 'dukemtmc/mINP',
        'dukemtmc/num_skipped_queries'
    ]
    for name, inputs in (('market', inputs_a), ('dukemtmc', inputs_b)):
        expected = reid_evaluate(*inputs, topk=(1, 5))
        assert metrics[f'{name}/mAP'] == pytest.approx(100 * expected['mAP'], abs=1e-9)
        assert metrics[f'{name}/mINP'] == pytest.approx(100 * expected['mINP'], abs=1e-9)
        assert metrics[f'{name}/rank1'] == pytest.approx(100 * float(expected['cmc'][0]))
        assert metrics[f'{name}/rank5'] == pytest.approx(100 * float(expected['cmc'][4]))
        assert metrics[f'{name}/num_skipped_queries'] == expected['num_skipped']
        assert all(type(metrics[f'{name}/{key}']) is float for key in ('mAP', 'rank1', 'mINP'))


def hand_samples():
    """One query (pid 1, cam 0) and a gallery where its positive comes second."""
    q = torch.tensor([1., 0.])
    return [
        dict(feature=q, pid=1, camid=0, is_query=True, dataset_name='toy'),
        dict(feature=torch.tensor([0.8, 0.6]), pid=2, camid=1, is_query=False,
             dataset_name='toy'),
        dict(feature=torch.tensor([0.6, 0.8]), pid=1, camid=1, is_query=False,
             dataset_name='toy'),
        dict(feature=q, pid=1, camid=0, is_query=False, dataset_name='toy'),  # same cam: ignored
        dict(feature=torch.tensor([0., 1.]), pid=3, camid=2, is_query=False, dataset_name='toy'),
    ]


def test_hand_computed_percentages_and_log_line(monkeypatch):
    logger = MMLogger.get_instance('test_reid_metric_log')
    lines = []
    monkeypatch.setattr(logger, 'info', lines.append)
    metric = ReIDMetric(topk=(1, 2))
    metric.process(None, hand_samples())
    metrics = metric.compute_metrics(metric.results)
    # Positive at rank 1 of the cleaned list (g1, g2+, g4): AP = INP = 1/2.
    assert metrics == {
        'toy/mAP': 50.0,
        'toy/rank1': 0.0,
        'toy/rank2': 100.0,
        'toy/mINP': 50.0,
        'toy/num_skipped_queries': 0
    }
    assert lines == ['toy: mAP 50.00 | rank1 0.00 | rank2 100.00 | mINP 50.00 | '
                     'valid queries 1 | skipped 0']


def test_evaluate_applies_prefix_and_process_stores_cpu_float32():
    metric = ReIDMetric(topk=(1, ), prefix='reid')
    samples = hand_samples()
    samples[0]['feature'] = samples[0]['feature'].double()
    samples[0]['pid'] = torch.tensor(1)
    metric.process(None, samples)
    stored = metric.results[0]
    assert stored['feature'].dtype == torch.float32 and stored['feature'].device.type == 'cpu'
    assert stored['pid'] == 1 and type(stored['pid']) is int
    assert metric.evaluate(len(samples)) == {
        'reid/toy/mAP': 50.0,
        'reid/toy/rank1': 0.0,
        'reid/toy/mINP': 50.0,
        'reid/toy/num_skipped_queries': 0
    }


@pytest.mark.parametrize('is_query, counts', [(True, '5 query and 0 gallery'),
                                              (False, '0 query and 5 gallery')])
def test_target_without_query_or_gallery_raises(is_query, counts):
    metric = ReIDMetric()
    samples = [dict(s, is_query=is_query) for s in hand_samples()]
    metric.process(None, samples)
    with pytest.raises(ValueError, match=f'dataset "toy" has {counts} samples'):
        metric.compute_metrics(metric.results)


def test_missing_field_raises():
    sample = hand_samples()[0]
    del sample['camid']
    with pytest.raises(KeyError, match=r"lacks field\(s\) \['camid'\]"):
        ReIDMetric().process(None, [sample])


def test_invalid_topk_raises():
    with pytest.raises(ValueError, match='`topk` must be a non-empty sequence'):
        ReIDMetric(topk=(0, 1))


def test_single_image_identities_and_a_query_whose_pid_is_not_in_the_gallery():
    # Every gallery identity has one image. Query 0 (pid 1, cam 0): ranking g1 (cos 0.8), g0
    # (0.6), g2 (0): its one match at rank 2, AP = INP = 1/2. Query 1 (pid 9) has no gallery
    # image: skipped and counted, not scored 0 (Market-1501 protocol).
    def sample(feature, pid, camid, is_query):
        return dict(feature=torch.tensor(feature), pid=pid, camid=camid, is_query=is_query,
                    dataset_name='toy')

    samples = [sample([1., 0.], 1, 0, True), sample([1., 0.], 9, 0, True),
               sample([0.6, 0.8], 1, 1, False), sample([0.8, 0.6], 2, 1, False),
               sample([0., 1.], 3, 0, False)]
    result = reid_evaluate(torch.stack([s['feature'] for s in samples[:2]]),
                           torch.stack([s['feature'] for s in samples[2:]]), [1, 9], [1, 2, 3],
                           [0, 0], [1, 1, 0], topk=(1, 2))
    assert result['num_valid'] == 1 and result['num_skipped'] == 1
    assert result['mAP'] == pytest.approx(0.5) and result['mINP'] == pytest.approx(0.5)
    torch.testing.assert_close(result['cmc'], torch.tensor([0., 1.], dtype=torch.float64))
    metric = ReIDMetric(topk=(1, 2))
    metric.process(None, samples)
    assert metric.compute_metrics(metric.results) == {
        'toy/mAP': 50.0,
        'toy/rank1': 0.0,
        'toy/rank2': 100.0,
        'toy/mINP': 50.0,
        'toy/num_skipped_queries': 1
    }


def split_target(name='viper'):
    """A split target of two splits, every image camid 0 (as iLIDS): split 0 ranks the query's
    match first (AP 1), split 1 second (AP 1/2)."""
    rows = [  # pid, feature, split_roles
        (1, [1., 0.], [0, 0]),
        (1, [1., 0.], [1, -1]),
        (2, [0., 1.], [1, -1]),
        (2, [.8, .6], [-1, 1]),
        (1, [.6, .8], [-1, 1]),
    ]
    return [dict(feature=torch.tensor(f), pid=p, camid=0, is_query=False, dataset_name=name,
                 split_roles=r) for p, f, r in rows]


def test_split_target_mean_and_std_over_splits_and_dg_mean():
    market, inputs = make_target('market', seed=0)
    cuhk, cuhk_inputs = make_target('cuhk03_val', seed=1)
    metric = ReIDMetric(topk=(1, ), unseen_targets=('viper', 'cuhk03_val'))
    metric.process(None, market + split_target() + cuhk)
    metrics = metric.compute_metrics(metric.results)

    # the role is the camid: with camid 0 everywhere the queries still have valid matches
    assert metrics['viper/mAP'] == pytest.approx(75.0)
    assert metrics['viper/mAP_std'] == pytest.approx(2 ** 0.5 * 25.0)  # ddof=1 over 2 splits
    assert metrics['viper/rank1'] == pytest.approx(50.0)
    assert metrics['viper/rank1_std'] == pytest.approx(2 ** 0.5 * 50.0)
    assert metrics['viper/num_splits'] == 2 and metrics['viper/num_skipped_queries'] == 0
    cuhk_map = 100 * reid_evaluate(*cuhk_inputs, topk=(1, ))['mAP']
    assert metrics['cuhk03_val/mAP'] == pytest.approx(cuhk_map)
    # the in-domain market target is reported but not in the dg/ mean
    assert 'market/mAP' in metrics
    assert metrics['dg/mAP'] == pytest.approx((75.0 + cuhk_map) / 2)
    assert metrics['dg/rank1'] == pytest.approx((50.0 + metrics['cuhk03_val/rank1']) / 2)
    assert metrics['dg/num_targets'] == 2


def test_split_target_of_one_split_has_zero_std_and_no_dg_keys_by_default():
    samples = [dict(s, split_roles=s['split_roles'][:1]) for s in split_target()
               if s['split_roles'][0] >= 0]
    metric = ReIDMetric(topk=(1, ))
    metric.process(None, samples)
    metrics = metric.compute_metrics(metric.results)
    assert metrics['viper/mAP'] == pytest.approx(100.0) and metrics['viper/mAP_std'] == 0.0
    assert not any(key.startswith('dg/') for key in metrics)


def test_split_target_errors():
    metric = ReIDMetric(unseen_targets=('grid', ))
    metric.process(None, split_target())
    with pytest.raises(ValueError, match=r"unseen_targets \['grid'\] are not among .*'viper'"):
        metric.compute_metrics(metric.results)
    # split_roles not packed: no query at all, and the error says what to pack
    metric = ReIDMetric()
    metric.process(None, [{k: v for k, v in s.items() if k != 'split_roles'}
                          for s in split_target()])
    with pytest.raises(ValueError, match=r"meta_keys=\('split_roles',\)"):
        metric.compute_metrics(metric.results)
