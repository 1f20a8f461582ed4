# Frame ablation (Su et al., papers.md B, Table 2), T = 3 (t-1..t+1): RetinaNet
# R50-FPN with a bidirectional ConvGRU (directions concatenated, projected
# to 256) per FPN level, DR-IoU, 640 px, 12 epochs.
# T = 5: retinanet_r50_fpn_bigru-t5_dr-iou_12e_dsa-perforation.py.
_base_ = './retinanet_r50_fpn_tcm-t3_dr-iou_12e_dsa-perforation.py'
model = dict(
    temporal_neck=dict(
        _delete_=True,
        type='BiConvGRU',
        in_channels=256,
        num_levels=5))
