# The data pipelines and loader settings shared by every config, at the three input sizes (H x W):
# 64 x 32 (the embedded synthetic data), 128 x 64 (CPU-sized, ../shared/data) and 256 x 128 (paper
# scale). `pipelines_<H>x<W>` holds
#   train_pipeline        one view (the cross-entropy + triplet baseline),
#   remix_train_pipeline  ReMix's two views: standard (flip, pad + crop, erasing) and strong (the
#                         standard view plus colour jitter, grayscale and blur; remix_method.md Sec. 3),
#   test_pipeline         resize only; also the refresh's extraction pipeline. It packs `split_roles`
#                         when an item has them (split-based DG targets), so one test pipeline serves
#                         every target.
# Padding and the largest blur grow with the input (design choices of mmremix). The loader skeletons
# (`identity_train_loader`, `remix_train_loader`, `test_loader`) hold the CPU defaults; a data base
# adds its dataset (`dict(_base_.test_loader, dataset=...)`).
# Only one base of a config may include this file (MMEngine refuses a key set by two bases), so it
# sits at the root of every data base chain.


def __pipelines(img_h, img_w, padding, max_blur):
    """The three pipelines at one input size (names starting with '__' stay out of the config)."""

    def resize():
        return [dict(type='LoadImageFromFile'),
                dict(type='Resize', scale=(img_w, img_h), keep_ratio=False)]

    def standard_view():
        return [dict(type='RandomFlip', prob=0.5, direction='horizontal'),
                dict(type='RandomCrop', crop_size=(img_h, img_w), padding=padding),
                dict(type='RandomErasing', erase_prob=0.5, mode='rand')]

    strong_view = standard_view()[:2] + [
        # no hue jitter: mmcv's adjust_hue overflows uint8 under numpy 2
        dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
        dict(type='RandomGrayscale', prob=0.2, keep_channels=True),
        dict(type='GaussianBlur', magnitude_range=(0.1, max_blur), magnitude_std='inf', prob=0.5),
        dict(type='RandomErasing', erase_prob=0.5, mode='rand'),
    ]
    two_views = dict(type='MultiView', num_views=[1, 1], transforms=[standard_view(), strong_view])
    return dict(
        img_h=img_h,
        img_w=img_w,
        train_pipeline=resize() + standard_view() + [dict(type='PackReIDInputs')],
        remix_train_pipeline=resize() + [two_views, dict(type='PackReIDInputs')],
        test_pipeline=resize() + [dict(type='PackReIDInputs', meta_keys=('split_roles', ))])


pipelines_64x32 = __pipelines(64, 32, padding=3, max_blur=1.0)
pipelines_128x64 = __pipelines(128, 64, padding=5, max_blur=1.0)
pipelines_256x128 = __pipelines(256, 128, padding=10, max_blur=2.0)

identity_train_loader = dict(
    batch_size=64,  # P x K
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='IdentitySampler', batch_size=64, num_instances=4))
remix_train_loader = dict(
    batch_size=64,  # B = B_mc + B_sc per process
    num_workers=2,
    persistent_workers=True,
    sampler=dict(
        type='ReMixSampler',
        batch_size=64,
        num_instances=4,  # K
        num_single_camera=32,  # B_sc
        videos_per_batch=2))  # V_b
test_loader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False))
test_evaluator = dict(type='ReIDMetric')
val_evaluator = test_evaluator
