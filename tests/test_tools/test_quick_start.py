"""The synthetic data carries identity: a short training lifts mAP well above an untrained model."""
from mmengine.runner import Runner

from helpers import make_tiny_data, tiny_runner_cfg


def test_short_training_lifts_map(tmp_path):
    data = make_tiny_data(tmp_path / 'syn', num_train_ids=40, num_test_ids=16, num_cameras=3,
                          images_per_id_cam=2, num_videos=1)
    cfg = tiny_runner_cfg(data, tmp_path / 'work', model='ReIDBaseline', max_epochs=12)
    cfg.model.num_classes = 40
    cfg.model.backbone.update(stem_channels=16, base_channels=16)
    cfg.model.in_channels = 128
    cfg.optim_wrapper.optimizer.lr = 3e-3
    cfg.default_hooks.checkpoint.interval = 100
    runner = Runner.from_cfg(cfg)
    runner.model.init_weights()
    before = runner.test()['tiny/mAP']
    runner.train()
    after = runner.test()['tiny/mAP']
    assert after > before + 15 and after > 1.5 * before, (before, after)
