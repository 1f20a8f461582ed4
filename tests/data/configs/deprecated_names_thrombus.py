# The synthetic thrombus config written with the names mmdsa used before the
# classification / detection renaming (deprecated aliases kept for one
# release, mmdsa/utils/deprecation.py; tests/test_utils/test_deprecation.py).
_base_ = [
    '../../../configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-'
    'thrombus.py'
]
model = dict(data_preprocessor=dict(type='SequenceDataPreprocessor'))
test_dataloader = dict(
    dataset=dict(
        type='DSASequenceDataset',
        pipeline=[
            dict(type='LoadDSASeries', intensity='minmax', resize=32),
            dict(type='GroupFrames', group_size=3),
            dict(type='PackDSASequenceInputs'),
        ]))
