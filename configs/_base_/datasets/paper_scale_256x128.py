# The data of the paper-scale ReMix configs (remix_method.md Sec. 7), 256 x 128, 4 GPUs x 64 images,
# under `data_root` (layouts: README "Data" and "Domain-generalization protocol"):
#   data/market1501/   Market-1501-v15.09.15: bounding_box_train/ query/ bounding_box_test/
#   data/MSMT17_V1/    train/ test/ list_{train,val,query,gallery}.txt
#   data/cuhk03-np/    labeled/{bounding_box_train,query,bounding_box_test}
#   data/cuhk02/       Dataset/P{1..5}/cam{1,2}/*.png
#   data/cuhk_sysu/    cropped_images/p<pid>_s<scene>.jpg
#   data/lup/videos/   LUPerson-style single-camera videos, <video_name>/<frame>.jpg
#   data/prid2011/prid_2011/single_shot/{cam_a,cam_b}/   data/grid/underground_reid/{probe,gallery}/
#   data/viper/VIPeR/{cam_a,cam_b}/                      data/ilids/i-LIDS_Pedestrian/Persons/
# A config picks its multi-camera sources and test targets from the named datasets below:
#   train_dataloader = dict(dataset=dict(multi_camera=dict(datasets=[...*_train])))
#   test_dataloader = val_dataloader = dict(dataset=dict(datasets=[...*_test]))
#   test_evaluator = val_evaluator = dict(unseen_targets=[dataset names never trained on])
# Training sources are train splits with ids relabelled and offset per source; every test target is
# reported under its dataset name, the unseen ones also in the dg/ mean.
_base_ = ['./pipelines.py']
data_root = 'data'
pipelines = _base_.pipelines_256x128

market1501_train = dict(type='Market1501', data_root=f'{data_root}/market1501', split='train')
msmt17_train = dict(type='MSMT17', data_root=f'{data_root}/MSMT17_V1', split='train')
cuhk03np_train = dict(type='CUHK03NP', data_root=f'{data_root}/cuhk03-np', split='train')
cuhk02_train = dict(type='CUHK02', data_root=f'{data_root}/cuhk02', split='train')
cuhksysu_train = dict(type='CUHKSYSU', data_root=f'{data_root}/cuhk_sysu', split='train')
lup_videos = dict(type='SingleCameraVideos', data_root=f'{data_root}/lup/videos',
                  dataset_name='lup', min_images_per_video=4)

market1501_test = dict(type='Market1501', data_root=f'{data_root}/market1501', split='test')
msmt17_test = dict(type='MSMT17', data_root=f'{data_root}/MSMT17_V1', split='test')
cuhk03np_test = dict(type='CUHK03NP', data_root=f'{data_root}/cuhk03-np', split='test')
# the small DG targets: 10 seeded splits each (split files written beside the data), mean and std
prid2011_test = dict(type='PRID2011', data_root=f'{data_root}/prid2011')
grid_test = dict(type='GRID', data_root=f'{data_root}/grid')
viper_test = dict(type='VIPeR', data_root=f'{data_root}/viper')
ilids_test = dict(type='iLIDS', data_root=f'{data_root}/ilids')

train_dataloader = dict(
    _base_.remix_train_loader,
    num_workers=8,
    pin_memory=True,
    dataset=dict(
        type='ReMixDataset',
        multi_camera=dict(type='ReIDConcatDataset', offset_ids=True),
        single_camera=lup_videos,
        pipeline=pipelines.remix_train_pipeline))
test_dataloader = dict(
    _base_.test_loader,
    batch_size=256,
    num_workers=8,
    dataset=dict(type='ReIDConcatDataset', offset_ids=False, pipeline=pipelines.test_pipeline))
val_dataloader = test_dataloader

# momentum encoder and the epoch-start refresh at paper scale: the hook's default clustering (eps 0.6,
# min_samples 4, Jaccard k1 = 20, k2 = 6; every single-camera image per multi-camera image), the kNN
# on the GPU
custom_hooks = [
    dict(type='MomentumEncoderHook'),
    dict(type='ReMixRefreshHook', pipeline=pipelines.test_pipeline, batch_size=256, num_workers=8,
         use_gpu_faiss=True),
]
