# CPU-scale RetinaNet for the synthetic demo and the tests: the perforation
# RetinaNet (retinanet_r50_fpn_perforation.py: one class, DR-IoU, test
# settings as published) with a ResNet-18 layout of 16 base channels, a
# 32-channel FPN and one stacked head convolution, randomly initialised.
# Inputs of about 96-128 px; a few epochs train in minutes on 2 CPU cores.
# Anchors start at 16 px (octave_base_scale=2 at stride 8): synthetic
# extravasation boxes are about 8-25 px at 96-128 px inputs.
_base_ = './retinanet_r50_fpn_perforation.py'

model = dict(
    detector=dict(
        backbone=dict(
            _delete_=True,
            type='ResNet',
            depth=18,
            base_channels=16,
            num_stages=4,
            out_indices=(1, 2, 3),
            norm_cfg=dict(type='BN', requires_grad=True),
            norm_eval=False,
            style='pytorch'),
        neck=dict(in_channels=[32, 64, 128], out_channels=32, start_level=0),
        bbox_head=dict(
            in_channels=32,
            stacked_convs=1,
            feat_channels=32,
            anchor_generator=dict(octave_base_scale=2, scales_per_octave=2)),
        test_cfg=dict(nms_pre=200)))
