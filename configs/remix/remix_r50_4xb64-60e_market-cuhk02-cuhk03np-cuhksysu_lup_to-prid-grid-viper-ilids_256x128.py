# The DG literature's Protocol-1 at paper scale (Song et al., CVPR 2019): ReMix trained on Market-1501 +
# CUHK02 + CUHK03-NP + CUHK-SYSU (multi-camera) and LUPerson-style videos, tested on PRID2011, GRID,
# VIPeR and iLIDS (10 splits each; dg/ mean over the four); the rest as remix_r50.py.
# The literature trains on every image of Market-1501 and CUHK03; here their train splits (the classes
# read the test splits as query / gallery): a design choice of mmremix, fewer source images.
_base_ = ['./remix_r50.py']
train_dataloader = dict(dataset=dict(multi_camera=dict(datasets=[
    _base_.market1501_train, _base_.cuhk02_train, _base_.cuhk03np_train, _base_.cuhksysu_train])))
