# remix_mobilenetv2_1xb64-6e_market1501-split_towncentre-videos_128x64.py tested by the
# domain-generalization protocol of ../shared/data (configs/_base_/datasets/shared_data_128x64.py):
# unseen cuhk03_val, VIPeR, GRID, iLIDS, CAVIAR4REID (dg/ mean) and the in-domain market1501_split,
# reported apart. Same training as the config without _dg.
_base_ = ['./remix_mobilenetv2_1xb64-6e_market1501-split_towncentre-videos_128x64.py']
test_dataloader = {{_base_.dg_test_dataloader}}
val_dataloader = {{_base_.dg_test_dataloader}}
test_evaluator = {{_base_.dg_test_evaluator}}
val_evaluator = {{_base_.dg_test_evaluator}}
