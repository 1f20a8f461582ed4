# User DSA data for perforation detection (Su et al., Medical Image Analysis
# 2022, doi:10.1016/j.media.2022.102377):
#   data/dsa/perforation.json        CocoVID-style annotations
#   data/dsa/perforation_split.json  tools/misc/make_splits.py --method
#                                    stratified_group_kfold --folds 10
# 640 px, T = 5 window, horizontal flip / shift 0.0625 / scale +-0.1 /
# rotation +-10 deg, each with p = 0.5 (same parameters for all frames).
# Shift-scale-rotate pivots on the image centre (`ShiftScaleRotate`).
# The perforation pipelines are written here once: synthetic_perforation.py
# and own_perforation_640.py derive theirs from these.
# Another window length: set `num_frames` and rebuild the pipelines from it,
#   train_pipeline = [dict(type='LoadDSAWindow', num_frames=num_frames),
#                     *_base_.train_pipeline[1:]]
# (the same for test_pipeline, then the dataloaders' pipelines), as
# dsa_perforation_640_t1.py does; the model's `num_frames` must match.
dataset_type = 'DSADetectionDataset'
data_root = 'data/dsa/'
ann_file = 'perforation.json'
split_file = 'perforation_split.json'
fold = 0
num_frames = 5  # window length T (odd), the key frame in the centre
image_size = 640
batch_size = 2
num_workers = 2

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

_dataset = dict(type=dataset_type, data_root=data_root, ann_file=ann_file,
                split_file=split_file)
train_dataloader = dict(
    batch_size=batch_size, num_workers=num_workers, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(_dataset, split='train', fold=fold,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=num_workers, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_dataset, split='val', fold=fold, test_mode=True,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='SeriesDetectionMetric')
test_evaluator = val_evaluator
