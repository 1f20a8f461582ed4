# Faster R-CNN, single frame (T = 1), ResNet50-FPN, DR-IoU, 640 px, 12 epochs:
# Table 1 of Su et al. (papers.md B). Single-frame windows come
# from the dataset base dsa_perforation_640_t1.py.
_base_ = [
    '../_base_/models/faster-rcnn_r50_fpn_perforation.py',
    '../_base_/datasets/dsa_perforation_640_t1.py',
    '../_base_/schedules/schedule_perforation_sgd-cosine_12e.py',
    '../_base_/default_runtime.py'
]
