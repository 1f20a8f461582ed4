# User DSA data for thrombus classification (Mittmann et al., papers.md A):
#   data/dsa/thrombus.json        classification annotations (docs/data_formats.md)
#   data/dsa/thrombus_split.json  tools/misc/make_splits.py --method
#                                 chronological_kfold --test-fraction 0.2 --folds 5
# One model per view and fold: override `view` and `fold` in the model config.
dataset_type = 'DSASequenceDataset'
data_root = 'data/dsa/'
ann_file = 'thrombus.json'
split_file = 'thrombus_split.json'
view = 'PA'
fold = 0
image_size = 512
batch_size = 1  # the paper's setting; SequenceDataPreprocessor pads larger
num_workers = 2

# Paper: vertical flip, shift-scale-rotate, contrast, blur, noise, down-scale
# to half resolution, same parameters for every frame. Magnitudes from the
# authors' code (anchors.md): shift 0.15, scale 0.1, rotate 20 deg, border
# 193 (on the 12-bit -> 8-bit scale), median blur 3, multiplicative noise.
train_pipeline = [
    dict(type='LoadDSASeries', intensity='bits', resize=image_size),
    dict(type='BroadcastFrames', transforms=[
        dict(type='mmdet.RandomFlip', prob=0.5, direction='vertical'),
        dict(type='RandomApply', prob=0.5, transforms=[
            dict(type='mmdet.RandomAffine', max_rotate_degree=20,
                 max_translate_ratio=0.15, scaling_ratio_range=(0.9, 1.1),
                 max_shear_degree=0, border_val=(193, 193, 193))]),
        dict(type='RandomContrast', prob=0.5),
        dict(type='RandomBlur', mode='median', kernel_sizes=(3, ), prob=0.3),
        dict(type='RandomNoise', mode='multiplicative',
             strength_range=(0.0, 0.1), prob=0.3),
        dict(type='RandomDownscale', scale_range=(0.5, 0.5), prob=0.3),
    ]),
    dict(type='GroupFrames', group_size=3),
    dict(type='PackDSASequenceInputs'),
]
test_pipeline = [
    dict(type='LoadDSASeries', intensity='bits', resize=image_size),
    dict(type='GroupFrames', group_size=3),
    dict(type='PackDSASequenceInputs'),
]

_dataset = dict(type=dataset_type, data_root=data_root, ann_file=ann_file,
                split_file=split_file, view=view)
train_dataloader = dict(
    batch_size=batch_size, num_workers=num_workers, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(_dataset, split='train', fold=fold,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=batch_size, num_workers=num_workers, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_dataset, split='val', fold=fold, test_mode=True,
                 pipeline=test_pipeline))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(_dataset, split='test', test_mode=True,
                 pipeline=test_pipeline))
val_evaluator = dict(type='SeriesClassificationMetric')
test_evaluator = val_evaluator
