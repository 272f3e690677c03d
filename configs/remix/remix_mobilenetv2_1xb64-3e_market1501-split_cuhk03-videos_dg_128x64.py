# The CPU-sized ReMix config (market1501_split + CUHK03 videos) tested by the domain-generalization
# protocol of ../shared/data: unseen cuhk03_val, VIPeR, GRID, iLIDS, CAVIAR4REID (dg/ mean) and the
# in-domain market1501_split, reported apart.
#   python tools/test.py configs/remix/remix_mobilenetv2_1xb64-3e_market1501-split_cuhk03-videos_dg_128x64.py CKPT
_base_ = [
    './remix_mobilenetv2_1xb64-3e_market1501-split_cuhk03-videos_128x64.py',
    '../_base_/datasets/dg_targets_shared_128x64.py',
]
test_dataloader = {{_base_.dg_test_dataloader}}
val_dataloader = {{_base_.dg_test_dataloader}}
test_evaluator = {{_base_.dg_test_evaluator}}
val_evaluator = {{_base_.dg_test_evaluator}}
