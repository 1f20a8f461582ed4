# A tiny image classifier used by the foundation tests (tools/train.py,
# tools/test.py, resume, distributed). data_root is set by the tests.
_base_ = ['../../../configs/_base_/default_runtime.py']

data_root = None
model = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[64.0, 64.0, 64.0],
        num_classes=2),
    backbone=dict(
        type='mmpretrain.ResNet',
        depth=18,
        stem_channels=8,
        base_channels=8,
        out_indices=(3, )),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=2,
        in_channels=64,
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0)))

pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.Resize', scale=32),
    dict(type='mmpretrain.PackInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    dataset=dict(
        type='mmpretrain.CustomDataset',
        data_root=data_root,
        pipeline=pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
test_dataloader = dict(
    batch_size=2,
    num_workers=0,
    dataset=dict(
        type='mmpretrain.CustomDataset',
        data_root=data_root,
        pipeline=pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
train_cfg = dict(by_epoch=True, max_epochs=2)
test_cfg = dict()
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='MultiStepLR', milestones=[1], gamma=0.5)]
default_hooks = dict(logger=dict(type='LoggerHook', interval=1))
