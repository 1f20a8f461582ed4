# RN + DR-IoU + SO (Su et al., papers.md B, Table 3 ablation): single-frame
# RetinaNet R50-FPN with DR-IoU, evaluated with the series-level optimiser
# (best centre-in-linked trajectory, rescored to its mean score; minimum box
# score = the detector's test score_thr, 0.05).
_base_ = './retinanet_r50_fpn_dr-iou_12e_dsa-perforation.py'
model = dict(series_post_processor=dict(type='TrajectoryOptimizer'))
