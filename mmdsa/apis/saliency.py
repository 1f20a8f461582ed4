"""Grad-CAM saliency of the thrombus recognizer, per frame group.

Grad-CAM (Selvaraju et al., ICCV 2017) as mmpretrain's ``vis_cam`` and
pytorch-grad-cam compute it, written out with hooks: the target layer is
the backbone output the recognizer pools (``backbone_out_index``); for
each frame group g the channel weights are the spatial mean of the
gradient of the series logit with respect to that group's map,
``w[g, c] = mean_ij d logit / d A[g, c, i, j]``, and the map is
``relu(sum_c w[g, c] * A[g, c])``, upsampled (bilinear) to the network
input. Because one logit depends on all groups through the RNN, the maps
are normalised by their maximum over the whole series (not per group), so
groups that mattered more look brighter.
"""
from typing import Dict

import torch
import torch.nn.functional as F


def _batch(model, path: str) -> Dict:
    from .series_inference import _series_info, _test_pipeline
    info = _series_info(path)
    pipeline = _test_pipeline(model.cfg, single_frame=False)
    data = pipeline(dict(info['base']))
    batch = model.data_preprocessor(
        dict(inputs=[data['inputs']], data_samples=[data['data_samples']]),
        False)
    return dict(batch=batch, series=info['series'])


def gradcam_from_inputs(model, inputs: torch.Tensor,
                        lengths: torch.Tensor) -> Dict[str, torch.Tensor]:
    """Grad-CAM of one preprocessed series.

    Args:
        model: A :class:`CNNRNNRecognizer` (eval mode).
        inputs (Tensor): (1, G, 3, H, W) preprocessed groups.
        lengths (Tensor): (1,) true group count.

    Returns:
        dict: ``logit`` (float tensor ()), ``weights`` (G, C), ``cam`` (G, h,
        w) at the feature resolution (unnormalised, >= 0), ``saliency`` (G,
        H, W) in [0, 1] (bilinear to the input size, divided by the series
        maximum; all zeros when the map is zero everywhere).
    """
    if inputs.dim() != 5 or inputs.shape[0] != 1:
        raise ValueError('gradcam: expected inputs (1, G, 3, H, W) of one '
                         f'series, got {tuple(inputs.shape)}')
    store = {}

    def hook(module, args, output):
        out = output[model.backbone_out_index] \
            if isinstance(output, (tuple, list)) else output
        out.retain_grad()
        store['maps'] = out

    handle = model.backbone.register_forward_hook(hook)
    try:
        # cuDNN RNNs refuse backward in eval mode; the native kernels do not
        with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
            logit = model(inputs, mode='tensor', lengths=lengths)[0]
            logit.backward()
    finally:
        handle.remove()
    maps = store['maps']
    grads = maps.grad
    model.zero_grad(set_to_none=True)
    g = int(lengths[0])
    maps, grads = maps.detach()[:g], grads.detach()[:g]
    weights = grads.mean(dim=(2, 3))
    cam = F.relu((weights[:, :, None, None] * maps).sum(1))
    up = F.interpolate(cam[:, None], size=inputs.shape[-2:],
                       mode='bilinear', align_corners=False)[:, 0]
    up = up.clamp(min=0)
    peak = up.max()
    saliency = up / peak if peak > 0 else torch.zeros_like(up)
    return dict(logit=logit.detach(), weights=weights, cam=cam,
                saliency=saliency)


def recognizer_saliency(model, path: str) -> Dict:
    """Grad-CAM of the recognizer on a series file.

    Args:
        model: A recognizer from :func:`mmdsa.apis.init_model`.
        path (str): DICOM file / folder, PNG/NPY folder or .npy file.

    Returns:
        dict: ``probability`` (float), ``saliency`` (G, H, W) float numpy in
        [0, 1], ``groups`` (G, 3, H, W) float numpy: the network input
        (normalised), ``num_frames`` of the series, ``group_size`` 3.
    """
    from .series_inference import is_detector
    if is_detector(model):
        raise ValueError('saliency: expected a thrombus recognizer '
                         '(CNNRNNRecognizer), got a detector')
    prepared = _batch(model, path)
    batch = prepared['batch']
    res = gradcam_from_inputs(model, batch['inputs'], batch['lengths'])
    g = int(batch['lengths'][0])
    return dict(probability=float(torch.sigmoid(res['logit'].float())),
                saliency=res['saliency'].cpu().numpy(),
                groups=batch['inputs'][0, :g].detach().cpu().numpy(),
                num_frames=len(prepared['series'].frames), group_size=3)
