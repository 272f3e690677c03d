# Real data of ../shared/data at a CPU-sized input (128 x 64): train on market1501_split, test on
# market1501_split and cuhk03_val (cross-domain) in one run.
_base_ = ['./train_market1501-split_128x64.py', './test_market1501-split_cuhk03val_128x64.py']
