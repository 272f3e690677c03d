# ReMix on the real data of ../shared/data at a CPU-sized input (128 x 64):
# multi-camera data market1501_split (train), single-camera data the CUHK03 videos, test on
# market1501_split and cuhk03_val (cross-domain) in one run.
_base_ = [
    './train_remix_market1501-split_cuhk03-videos_128x64.py',
    './test_market1501-split_cuhk03val_128x64.py',
]
