# Synthetic perforation series (CPU scale), generated on first use under
# data/synthetic/perforation. Window length T = `num_frames` (5); a config
# with another T sets `num_frames` and rebuilds the pipelines from it, e.g.
#   train_pipeline = [dict(type='LoadDSAWindow', num_frames=num_frames),
#                     *_base_.train_pipeline[1:]]
# (see configs/perforation/retinanet_r18-tiny_fpn_tcm-t5_*.py).
dataset_type = 'DSADetectionDataset'
data_root = 'data/synthetic/perforation/'
num_frames = 5
image_size = 128
batch_size = 2
num_workers = 0
# Patient-disjoint train / val / test sets: three synthetic sets with
# different seeds (independent patients), each generated on first use.
synthetic = dict(num_series=16, image_size=image_size, num_frames=(6, 12))
synthetic_val = dict(synthetic, num_series=8)


train_pipeline = [
    dict(type='LoadDSAWindow', num_frames=num_frames),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='BroadcastFrames', transforms=[
        dict(type='mmdet.Resize', scale=(image_size, image_size),
             keep_ratio=True),
        dict(type='mmdet.RandomFlip', prob=0.5, direction='horizontal'),
        # about the image centre (mmdet.RandomAffine pivots on the corner)
        dict(type='ShiftScaleRotate', shift_limit=0.0625, scale_limit=0.1,
             rotate_limit=10, prob=0.5, border_val=128),
    ]),
    dict(type='PackDSADetectionInputs'),
]
test_pipeline = [
    dict(type='LoadDSAWindow', num_frames=num_frames),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='BroadcastFrames', transforms=[
        dict(type='mmdet.Resize', scale=(image_size, image_size),
             keep_ratio=True)]),
    dict(type='PackDSADetectionInputs'),
]

train_dataloader = dict(
    batch_size=batch_size, num_workers=num_workers,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root + 'train/',
                 ann_file='perforation.json',
                 synthetic=dict(synthetic, seed=0),
                 key_frame_interval=1, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=batch_size, num_workers=num_workers,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root + 'val/',
                 ann_file='perforation.json',
                 synthetic=dict(synthetic_val, seed=1),
                 test_mode=True, pipeline=test_pipeline))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'], data_root=data_root + 'test/',
                 synthetic=dict(synthetic_val, seed=2)))
val_evaluator = dict(type='SeriesDetectionMetric')
test_evaluator = val_evaluator
