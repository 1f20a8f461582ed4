# Synthetic thrombus series (CPU scale), generated on first use under
# data/synthetic/thrombus (mmdsa.synth.ensure_synthetic_dataset). The
# pipelines are dsa_thrombus_512.py's (written once there: the authors'
# augmentation) with min-max intensity at 128 px and a mid-grey border
# (these frames are min-max scaled, background ~128).
_base_ = ['./dsa_thrombus_512.py']

data_root = 'data/synthetic/thrombus/'
image_size = 128
batch_size = 2
num_workers = 0
# Patient-disjoint train / val / test sets: three synthetic sets with
# different seeds (independent patients), each generated on first use.
synthetic = dict(num_pairs=24, image_size=image_size, num_frames=(6, 12))
synthetic_val = dict(synthetic, num_pairs=12)

# Step 0 of both pipelines is `LoadDSASeries`; step 1 of the training
# pipeline is `BroadcastFrames`, whose transform 1 is `ShiftScaleRotate`.
_load = dict(intensity='minmax', resize=image_size)
_augment = _base_.train_pipeline[1]
train_pipeline = [
    dict(_base_.train_pipeline[0], **_load),
    dict(_augment, transforms=[
        _augment.transforms[0],
        dict(_augment.transforms[1], border_val=128),
        *_augment.transforms[2:]]),
    *_base_.train_pipeline[2:]
]
test_pipeline = [
    dict(_base_.test_pipeline[0], **_load),
    *_base_.test_pipeline[1:]
]

_loader = dict(_delete_=True, batch_size=batch_size, num_workers=num_workers,
               persistent_workers=False)
_dataset = dict(type=_base_.dataset_type, ann_file=_base_.ann_file)
train_dataloader = dict(
    _loader, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(_dataset, data_root=data_root + 'train/',
                 synthetic=dict(synthetic, seed=0),
                 pipeline=train_pipeline))
val_dataloader = dict(
    _loader, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_dataset, data_root=data_root + 'val/',
                 synthetic=dict(synthetic_val, seed=1),
                 test_mode=True, pipeline=test_pipeline))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'], data_root=data_root + 'test/',
                 synthetic=dict(synthetic_val, seed=2)))
del _load, _augment, _loader, _dataset
del _base_._dataset, _base_.ann_file, _base_.split_file, _base_.view
del _base_.fold, _base_.paper_exclusions, _base_.test_set_1_exclusions
