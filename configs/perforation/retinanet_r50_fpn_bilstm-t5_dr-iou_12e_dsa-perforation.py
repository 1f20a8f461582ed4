# RN+BiLSTM: RetinaNet R50-FPN with a bidirectional ConvLSTM (directions
# concatenated, projected to 256) per FPN level over T = 5
# frames, DR-IoU, 640 px, 12 epochs (Su et al., papers.md B, Table 1).
_base_ = './retinanet_r50_fpn_tcm-t5_dr-iou_12e_dsa-perforation.py'
model = dict(
    temporal_neck=dict(
        _delete_=True,
        type='BiConvLSTM',
        in_channels=256,
        num_levels=5))
