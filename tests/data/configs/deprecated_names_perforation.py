# The synthetic perforation config written with the names mmdsa used before
# the classification / detection renaming (deprecated aliases kept for one
# release, mmdsa/utils/deprecation.py; tests/test_utils/test_deprecation.py).
_base_ = [
    '../../../configs/perforation/retinanet_r18-tiny_fpn_tcm-t5_dr-iou_so_'
    '8e_synthetic-perforation.py'
]
model = dict(data_preprocessor=dict(type='SpatioTemporalDetDataPreprocessor'))
test_dataloader = dict(
    dataset=dict(
        type='DSAVideoDataset',
        pipeline=[
            dict(type='LoadDSAWindow', num_frames=5),
            dict(type='mmdet.LoadAnnotations', with_bbox=True),
            dict(type='PackDSADetInputs'),
        ]))
