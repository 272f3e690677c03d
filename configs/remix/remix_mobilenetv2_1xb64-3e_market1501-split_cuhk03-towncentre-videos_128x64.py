# ReMix on ../shared/data, CPU-sized, with both single-camera sources in one run: the 76 CUHK03 videos
# and the 12 Oxford Town Centre videos (88 videos, 10,569 images); everything else as
# remix_mobilenetv2_1xb64-3e_market1501-split_cuhk03-videos_128x64.py. Write the merged source once
# (video names `cuhk03/...`, `towncentre/...`; the ground truth of both, pids offset per source):
#   python tools/dataset_converters/merge_single_camera_sources.py data/videos_cuhk03-towncentre \
#       cuhk03=../shared/data/cuhk03_single_camera towncentre=../shared/data/towncentre_single_camera
_base_ = ['./remix_mobilenetv2_1xb64-3e_market1501-split_cuhk03-videos_128x64.py']
train_dataloader = dict(
    dataset=dict(single_camera=dict(_base_.cuhk03_towncentre_videos, _delete_=True)))
# One clustering setting serves every video (the refresh hook takes one), chosen WITHOUT the ground
# truth by the rule of the CUHK03 config, erring low: CUHK03's k1 = 6, k2 = 2 (at most 5 images per
# person there), since a k1 above a person's images merges people in the small CUHK03 videos while
# one below a Town Centre track (median 32 crops) only splits it into pure clusters.
custom_hooks = [
    _base_.custom_hooks[0],
    dict(_base_.custom_hooks[1], gt_file=_base_.cuhk03_towncentre_videos_gt),
]
