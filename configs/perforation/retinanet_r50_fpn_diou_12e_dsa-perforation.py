# RN (Su et al., papers.md B, Table 3 ablation, first row): single-frame
# RetinaNet R50-FPN whose box loss is DIoU, i.e. DR-IoU with beta = 0
# (L = 1 - IoU + d^2 / c^2; DRIoULoss(beta=0) equals mmdet's DIoULoss,
# tested). 640 px, 12 epochs. The "+DR-IoU" row is
# retinanet_r50_fpn_dr-iou_12e_dsa-perforation.py (beta = 0.25).
_base_ = './retinanet_r50_fpn_dr-iou_12e_dsa-perforation.py'
model = dict(
    detector=dict(
        bbox_head=dict(
            loss_bbox=dict(type='mmdsa.DRIoULoss', beta=0.0,
                           loss_weight=1.0))))
