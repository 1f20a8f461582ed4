# User DSA data for thrombus classification (Mittmann et al., IJCARS 2022,
# doi:10.1007/s11548-022-02654-8):
#   data/dsa/thrombus.json        classification annotations (docs/data_formats.md)
#   data/dsa/thrombus_split.json  tools/misc/make_splits.py --method
#                                 chronological_kfold --test-fraction 0.2 --folds 5
# One model per view and fold: override `view` and `fold` in the model config.
dataset_type = 'DSAClassificationDataset'
data_root = 'data/dsa/'
ann_file = 'thrombus.json'
split_file = 'thrombus_split.json'
view = 'PA'
fold = 0
image_size = 512
batch_size = 1  # the paper's; DSAClassificationDataPreprocessor pads larger
num_workers = 2

# Paper: vertical flip, shift-scale-rotate, contrast, blur, noise, down-scale
# to half resolution, same parameters for every frame and for both views.
# Magnitudes and probabilities are the authors' code's (albumentations, read
# from their public repository):
# - vertical flip p 0.5;
# - shift-scale-rotate p 1 about the image centre: shift +-0.15, scale
#   1..1.1 (zoom in only), rotation +-20 deg, border 193 (on the 12-bit ->
#   8-bit scale);
# - brightness / contrast p 0.2: contrast x(0.8..1.2), brightness +-0.2 x the
#   image mean (`brightness_mode='mean'`; per frame here, per stack there);
# - median blur 3 p 0.5;
# - with p 0.5 one of: multiplicative noise x U(0.9, 1.1) per pixel
#   (weight 0.2) or down-scaling to half resolution (weight 0.3), i.e.
#   overall noise p 0.2, down-scale p 0.3, never both.
# Not reproduced: their fixed 90 deg rotation (a NIfTI axis-order fix).
# The thrombus pipelines are written here once: synthetic_thrombus.py and
# own_thrombus_512.py derive theirs from these.
train_pipeline = [
    dict(type='LoadDSASeries', intensity='bits', resize=image_size),
    dict(type='BroadcastFrames', transforms=[
        dict(type='mmdet.RandomFlip', prob=0.5, direction='vertical'),
        dict(type='ShiftScaleRotate', shift_limit=0.15, scale_limit=(0, 0.1),
             rotate_limit=20, prob=1.0, border_val=193),
        dict(type='RandomContrast', contrast_range=(0.8, 1.2),
             brightness_range=(-0.2, 0.2), brightness_mode='mean',
             prob=0.2),
        dict(type='RandomBlur', mode='median', kernel_sizes=(3, ), prob=0.5),
        dict(type='RandomOneOf', prob=0.5, weights=[0.2, 0.3], transforms=[
            dict(type='RandomNoise', mode='multiplicative',
                 strength_range=(0.1, 0.1), prob=1.0),
            dict(type='RandomDownscale', scale_range=(0.5, 0.5), prob=1.0)]),
    ]),
    dict(type='GroupFrames', group_size=3),
    dict(type='PackDSAClassificationInputs'),
]
test_pipeline = [
    dict(type='LoadDSASeries', intensity='bits', resize=image_size),
    dict(type='GroupFrames', group_size=3),
    dict(type='PackDSAClassificationInputs'),
]

# Labels and exclusions as the paper (docs/data_formats.md): a pair positive in either view is positive in both
# (harmonise_pairs=True), pairs flagged missing_view / vertebral_only /
# eca_only are left out of every split. The test set is the paper's test
# set 1, without the 'uncertain' pairs; for test set 2 set
# test_dataloader.dataset.exclude_flags to paper_exclusions.
paper_exclusions = ['missing_view', 'vertebral_only', 'eca_only']
test_set_1_exclusions = paper_exclusions + ['uncertain']
_dataset = dict(type=dataset_type, data_root=data_root, ann_file=ann_file,
                split_file=split_file, view=view, harmonise_pairs=True,
                exclude_flags=paper_exclusions)
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
                 exclude_flags=test_set_1_exclusions,
                 pipeline=test_pipeline))
val_evaluator = dict(type='SeriesClassificationMetric')
test_evaluator = val_evaluator
