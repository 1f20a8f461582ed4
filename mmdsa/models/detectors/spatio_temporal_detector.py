"""Multi-frame wrapper around any mmdet detector (Su et al., MedIA 2022)."""
import copy
from contextlib import contextmanager
from typing import Optional, Sequence, Tuple, Union

import torch
from mmdet.models.detectors import BaseDetector
from mmdet.structures import DetDataSample, OptSampleList, SampleList
from mmengine.config import ConfigDict
from mmengine.registry import DefaultScope
from torch import Tensor
from torch.utils.checkpoint import checkpoint

from mmdsa.registry import MODELS
from mmdsa.utils.precision import feature_autocast, to_float
from ..losses import check_iou_loss_config
from mmdsa.structures.series import (build_series_post_processor,
                               detector_score_thr, resolve_post_processor_cfg,
                               score_series)
from .window_inference import predict_series

MEMORY_SAVING = (None, 'context_no_grad', 'checkpoint')


def _scope_mmdsa_types(cfg):
    """Prefix plain type names that only mmdsa registers with ``mmdsa.``.

    The wrapped detector is built in mmdet's scope, where e.g. a plain
    ``'DRIoULoss'`` would not be found.
    """
    if isinstance(cfg, dict):
        name = cfg.get('type')
        if isinstance(name, str) and '.' not in name and \
                name in MODELS.module_dict:
            cfg['type'] = f'mmdsa.{name}'
        for value in cfg.values():
            _scope_mmdsa_types(value)
    elif isinstance(cfg, (list, tuple)):
        for value in cfg:
            _scope_mmdsa_types(value)
    return cfg


@MODELS.register_module()
class SpatioTemporalDetector(BaseDetector):
    """Backbone + FPN on every frame, a temporal neck, the detector's heads.

    Inputs are windows of T frames (B, T, C, H, W) with the key frame at
    ``T // 2``; data samples are the key frames' ``DetDataSample``. The
    wrapped detector's backbone and FPN run on all B x T frames as one batch,
    each FPN level is reshaped to (B, T, C, h, w) and fused by the temporal
    neck into the key frame's (B, C, h, w), and the wrapped detector's own
    ``loss`` / ``predict`` / ``_forward`` run on the fused features (its
    ``extract_feat`` is redirected to them for the call), so single-stage,
    two-stage and cascade detectors keep their exact head logic. With T = 1
    and no temporal neck the outputs equal the wrapped detector's.

    Args:
        detector (dict): An mmdet detector config, e.g.
            ``dict(type='mmdet.RetinaNet', ...)``. Its ``data_preprocessor``
            is ignored (this wrapper's preprocessor handles windows).
        temporal_neck (dict, optional): A temporal neck config (see
            ``mmdsa.models.necks``). Its ``num_frames`` is set to this
            detector's ``num_frames``; a neck config that sets another value
            is refused (``ValueError``). None only with ``num_frames=1``.
        num_frames (int): Window length T (odd), the one owner of T on the
            model side; every batch must have windows of T frames (checked
            in :meth:`extract_feat`). Defaults to 5.
        memory_saving (str, optional): Training-time memory option:
            ``'context_no_grad'`` runs backbone + FPN of the context frames
            without gradients (only the key frame's backbone is trained by
            each sample; the neck and heads see all frames);
            ``'checkpoint'`` recomputes backbone + FPN activations frame by
            frame during the backward pass (exact gradients, more compute;
            BatchNorm layers in training mode update their running
            statistics twice, so use it with ``norm_eval=True``).
            None (default) stores everything.
        series_post_processor (dict, optional): The series-level
            post-processor (``TASK_UTILS``), e.g.
            ``dict(type='TrajectoryOptimizer')`` for the paper's "+SO"
            rows; None (default) = series score is the maximum box score.
            Its ``score_thr`` (minimum box score) defaults to the wrapped
            detector's ``test_cfg`` score cut. It is the one place the
            post-processing is configured: every prediction carries the
            resolved config as metainfo ``series_post_processor``, which
            ``SeriesDetectionMetric`` applies once a series is complete, and
            ``mmdsa.apis`` inference uses :meth:`post_process_series`.
        data_preprocessor (dict, optional): Usually
            ``DSADetectionDataPreprocessor``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 detector: dict,
                 temporal_neck: Optional[dict] = None,
                 num_frames: int = 5,
                 memory_saving: Optional[str] = None,
                 series_post_processor: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        name = type(self).__name__
        if not isinstance(detector, dict) or 'type' not in detector:
            raise TypeError(f'{name}.detector: expected an mmdet detector '
                            f'config dict with a type, got {detector!r}')
        if not isinstance(num_frames, int) or num_frames < 1 or \
                num_frames % 2 == 0:
            raise ValueError(f'{name}.num_frames: expected an odd positive '
                             f'int, got {num_frames!r}')
        if memory_saving not in MEMORY_SAVING:
            raise ValueError(f'{name}.memory_saving: expected one of '
                             f'{MEMORY_SAVING}, got {memory_saving!r}')
        check_iou_loss_config(detector, f'{name}.detector')
        detector = _scope_mmdsa_types(ConfigDict(copy.deepcopy(detector)))
        detector.pop('data_preprocessor', None)
        # mmdet code builds its defaults (e.g. iou_calculator) by plain
        # names: build in mmdet's scope; mmdsa modules get their prefix.
        with DefaultScope.overwrite_default_scope('mmdet'):
            self.detector = MODELS.build(detector)
        self.num_frames = num_frames
        self.key_frame_index = num_frames // 2
        self.memory_saving = memory_saving
        if temporal_neck is None:
            if num_frames != 1:
                raise ValueError(
                    f'{name}.temporal_neck: expected a temporal neck config '
                    f'when num_frames={num_frames} > 1, got None')
            self.temporal_neck = None
        else:
            # The detector owns T: the neck takes its num_frames unless its
            # config repeats the same value.
            temporal_neck = copy.deepcopy(temporal_neck)
            temporal_neck.setdefault('num_frames', num_frames)
            if temporal_neck['num_frames'] != num_frames:
                raise ValueError(
                    f'{name}.temporal_neck.num_frames: expected {num_frames} '
                    f'(the detector\'s num_frames), got '
                    f'{temporal_neck["num_frames"]}; leave it unset, the '
                    'neck takes the detector\'s')
            self.temporal_neck = MODELS.build(temporal_neck)
        det_thr = detector_score_thr(detector.get('test_cfg'))
        self.series_post_processor_cfg = resolve_post_processor_cfg(
            series_post_processor, det_thr)
        self.series_post_processor = build_series_post_processor(
            self.series_post_processor_cfg)

    def post_process_series(self, boxes: Sequence, scores: Sequence):
        """Series post-processing of per-frame boxes (the model's rule).

        Args:
            boxes (Sequence): Per frame, (n_i, 4) boxes.
            scores (Sequence): Per frame, (n_i,) scores.

        Returns:
            SeriesDetections: Kept boxes, scores and the series score
            (:func:`mmdsa.structures.series.score_series`).
        """
        return score_series(boxes, scores, self.series_post_processor)

    def _tag_predictions(self, samples: SampleList) -> SampleList:
        for sample in samples:
            sample.set_metainfo(
                dict(series_post_processor=self.series_post_processor_cfg))
        return samples

    # ------------------------------------------------------------ features
    def extract_frame_feat(self, frames: Tensor) -> Tuple[Tensor, ...]:
        """Backbone + FPN of single frames.

        Args:
            frames (Tensor): (N, C, H, W).

        Returns:
            tuple[Tensor]: Per FPN level (N, C', h, w).
        """
        return tuple(self.detector.extract_feat(frames))

    def _window_feats(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """Per-frame features of windows, per level (B, T, C', h, w)."""
        b, t = inputs.shape[:2]
        k = self.key_frame_index
        if self.training and t > 1 and \
                self.memory_saving == 'context_no_grad':
            key = self.extract_frame_feat(inputs[:, k])
            with torch.no_grad():
                context = self.extract_frame_feat(
                    torch.cat([inputs[:, :k], inputs[:, k + 1:]],
                              dim=1).flatten(0, 1))
            return tuple(
                torch.cat([
                    c.unflatten(0, (b, t - 1))[:, :k],
                    f.unsqueeze(1),
                    c.unflatten(0, (b, t - 1))[:, k:]
                ],
                          dim=1) for f, c in zip(key, context))
        if self.training and self.memory_saving == 'checkpoint' and \
                torch.is_grad_enabled():
            per_frame = [
                checkpoint(
                    self.extract_frame_feat, inputs[:, i], use_reentrant=False)
                for i in range(t)
            ]
            return tuple(
                torch.stack(level, dim=1) for level in zip(*per_frame))
        feats = self.extract_frame_feat(inputs.flatten(0, 1))
        return tuple(f.unflatten(0, (b, t)) for f in feats)

    def check_inputs(self, inputs: Tensor) -> None:
        """Raise ``ValueError`` unless inputs are (B, T, C, H, W) with
        T = ``num_frames``.

        A batch whose windows have another length T comes from a pipeline
        whose ``LoadDSAWindow(num_frames=...)`` differs from the model's
        ``num_frames``; the message names both.
        """
        name = type(self).__name__
        shape = tuple(getattr(inputs, 'shape', ()))
        if len(shape) != 5:
            raise ValueError(
                f'{name}: expected inputs of shape (B, T={self.num_frames}, '
                f'C, H, W), got {shape}')
        if shape[1] != self.num_frames:
            raise ValueError(
                f'{name}: the batch has windows of T={shape[1]} frames '
                f'(inputs {shape}), but model.num_frames={self.num_frames}; '
                'set the pipelines\' LoadDSAWindow num_frames and '
                'model.num_frames to the same T')

    def extract_feat(self, batch_inputs: Tensor) -> Tuple[Tensor, ...]:
        """Fused key-frame features.

        Args:
            batch_inputs (Tensor): (B, T, C, H, W).

        Returns:
            tuple[Tensor]: Per FPN level (B, C', h, w).
        """
        self.check_inputs(batch_inputs)
        feats = self._window_feats(batch_inputs)
        if self.temporal_neck is None:
            return tuple(f[:, 0] for f in feats)
        return tuple(self.temporal_neck(feats))

    @contextmanager
    def _features_from(self, feats: Sequence[Tensor]):
        """Make the wrapped detector's ``extract_feat`` return ``feats``."""
        self.detector.extract_feat = lambda *args, **kwargs: tuple(feats)
        try:
            yield
        finally:
            del self.detector.extract_feat

    def _check_samples(self, batch_data_samples: OptSampleList) -> None:
        for i, sample in enumerate(batch_data_samples or []):
            index = sample.metainfo.get('key_frame_index',
                                        self.key_frame_index)
            if index != self.key_frame_index:
                raise ValueError(
                    f'{type(self).__name__}: expected key_frame_index='
                    f'{self.key_frame_index} (centre of T={self.num_frames})'
                    f' in data sample {i}, got {index}')

    # ------------------------------------------------------------ modes
    def loss(self, batch_inputs: Tensor,
             batch_data_samples: SampleList) -> Union[dict, list]:
        """Losses of the wrapped detector's heads on the fused features.

        Args:
            batch_inputs (Tensor): (B, T, C, H, W).
            batch_data_samples (list[DetDataSample]): Key-frame samples.

        Returns:
            dict: Loss components.
        """
        self._check_samples(batch_data_samples)
        feats = self.extract_feat(batch_inputs)
        with self._features_from(feats):
            return self.detector.loss(batch_inputs[:, self.key_frame_index],
                                      batch_data_samples)

    def predict(self,
                batch_inputs: Tensor,
                batch_data_samples: SampleList,
                rescale: bool = True,
                precision: str = 'fp32') -> SampleList:
        """Key-frame predictions (``pred_instances``).

        Args:
            batch_inputs (Tensor): (B, T, C, H, W).
            batch_data_samples (list[DetDataSample]): Key-frame samples.
            rescale (bool): Boxes in original image coordinates.
            precision (str): ``'fp32'``, or ``'bf16'`` / ``'fp16'``
                autocast of the feature computation (see
                :meth:`predict_from_feats`; resolved by
                :func:`mmdsa.utils.precision.resolve_precision`).

        Returns:
            list[DetDataSample]: The samples with ``pred_instances``.
        """
        self._check_samples(batch_data_samples)
        with feature_autocast(precision, batch_inputs.device):
            feats = self.extract_feat(batch_inputs)
        key_frames = batch_inputs[:, self.key_frame_index]
        return self.predict_from_feats(feats, key_frames, batch_data_samples,
                                       rescale, precision)

    def predict_from_feats(self, feats: Sequence[Tensor], key_frames: Tensor,
                           batch_data_samples: SampleList,
                           rescale: bool = True,
                           precision: str = 'fp32') -> SampleList:
        """Run the wrapped detector's ``predict`` on fused features.

        The head always runs in fp32 on float32 features, whatever
        ``precision`` the features were computed at: its box scores feed
        the series post-processing (score cut, trajectory links), whose
        choices are discontinuous, so reduced-precision head outputs
        switched series verdicts (``docs/benchmarks.md``, "Inference
        precision"). Box decoding, NMS and everything after them are fp32
        too.

        Args:
            feats (tuple[Tensor]): Per level (B, C', h, w), any float dtype.
            key_frames (Tensor): (B, C, H, W) key frames (only passed on).
            batch_data_samples (list[DetDataSample]): Key-frame samples.
            rescale (bool): Boxes in original image coordinates.
            precision (str): The precision ``feats`` were computed at
                (``'fp32'``, ``'bf16'`` or ``'fp16'``); it does not change
                the head's.

        Returns:
            list[DetDataSample]: The samples with ``pred_instances``
            (float32 boxes and scores).
        """
        del precision  # the head is fp32 by design (see above)
        with self._features_from(to_float(tuple(feats))):
            return self._tag_predictions(
                self.detector.predict(key_frames, batch_data_samples,
                                      rescale))

    def _forward(self,
                 batch_inputs: Tensor,
                 batch_data_samples: OptSampleList = None):
        """Raw head outputs of the wrapped detector (tensor mode)."""
        feats = self.extract_feat(batch_inputs)
        with self._features_from(feats):
            return self.detector._forward(
                batch_inputs[:, self.key_frame_index], batch_data_samples)

    def predict_series(self,
                       frames: Tensor,
                       data_samples: Optional[Sequence[DetDataSample]] = None,
                       batch_size: int = 4,
                       rescale: bool = True,
                       stride: int = 1,
                       precision: str = 'fp32') -> SampleList:
        """Cached sliding-window inference over a whole series.

        See :func:`mmdsa.models.detectors.window_inference.predict_series`
        (``stride``: the config's ``LoadDSAWindow`` stride; ``precision``:
        a resolved precision, :func:`mmdsa.utils.precision.
        resolve_precision`).
        """
        return predict_series(self, frames, data_samples, batch_size, rescale,
                              stride=stride, precision=precision)
