# The multi-frame wrapper every perforation detector shares (Su et al.,
# papers.md B): `SpatioTemporalDetector` around an mmdet detector, with the
# window preprocessor. The model bases next to this file take it as
# `_base_.spatio_temporal_detector` and add the wrapped `detector`.
# T = 1 and no temporal neck: a plain single-frame detector. A config that
# sets another T sets `model.num_frames` (the temporal neck takes the
# detector's value) and the pipelines' `LoadDSAWindow(num_frames=...)` from
# one top-level `num_frames` (docs/configs.md).
spatio_temporal_detector = dict(
    type='SpatioTemporalDetector',
    num_frames=1,
    data_preprocessor=dict(
        type='DSADetectionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],  # ImageNet, RGB
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=False,  # frames are packed as grey repeated to 3 channels
        pad_size_divisor=32))
