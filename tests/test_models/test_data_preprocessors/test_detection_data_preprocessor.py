"""DSADetectionDataPreprocessor: normalise, convert, pad windows."""
import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.structures import InstanceData

from mmdsa.models.data_preprocessors import DSADetectionDataPreprocessor


def _sample():
    s = DetDataSample(metainfo=dict(img_shape=(5, 7)))
    s.gt_instances = InstanceData(
        bboxes=HorizontalBoxes(torch.tensor([[1., 1., 3., 4.]])),
        labels=torch.tensor([0]))
    return s


def test_normalise_convert_pad_stack():
    pre = DSADetectionDataPreprocessor(
        mean=[1., 2., 3.], std=[2., 4., 8.], bgr_to_rgb=True,
        pad_size_divisor=4, pad_value=-1)
    a = torch.randint(0, 255, (3, 3, 5, 7), dtype=torch.uint8)
    b = torch.randint(0, 255, (3, 3, 6, 4), dtype=torch.uint8)
    out = pre(dict(inputs=[a, b], data_samples=[_sample(), _sample()]))
    x = out['inputs']
    assert x.shape == (2, 3, 3, 8, 8) and x.dtype == torch.float32
    mean = torch.tensor([1., 2., 3.]).view(1, 3, 1, 1)
    std = torch.tensor([2., 4., 8.]).view(1, 3, 1, 1)
    expected_a = (a.flip(1).float() - mean) / std  # BGR -> RGB per frame
    torch.testing.assert_close(x[0, :, :, :5, :7], expected_a)
    assert (x[0, :, :, 5:] == -1).all() and (x[0, :, :, :, 7:] == -1).all()
    torch.testing.assert_close(x[1, :, :, :6, :4],
                               (b.flip(1).float() - mean) / std)
    for s in out['data_samples']:
        assert s.batch_input_shape == (8, 8) and s.pad_shape == (8, 8)
        assert isinstance(s.gt_instances.bboxes, torch.Tensor)


def test_tensor_input_and_no_samples():
    pre = DSADetectionDataPreprocessor(pad_size_divisor=32)
    x = torch.rand(2, 5, 3, 40, 33)
    out = pre(dict(inputs=x, data_samples=None))
    assert out['inputs'].shape == (2, 5, 3, 64, 64)
    torch.testing.assert_close(out['inputs'][..., :40, :33], x)


def test_errors():
    pre = DSADetectionDataPreprocessor(bgr_to_rgb=True)
    with pytest.raises(ValueError, match=r'inputs\[0\].*\(T, C, H, W\)'):
        pre(dict(inputs=[torch.zeros(3, 8, 8)], data_samples=None))
    with pytest.raises(ValueError, match='same T and C'):
        pre(dict(inputs=[torch.zeros(3, 3, 8, 8), torch.zeros(5, 3, 8, 8)],
                 data_samples=None))
    with pytest.raises(ValueError, match='3 channels'):
        pre(dict(inputs=[torch.zeros(3, 1, 8, 8)], data_samples=None))
    with pytest.raises(ValueError, match='one data sample per input'):
        pre(dict(inputs=[torch.zeros(3, 3, 8, 8)],
                 data_samples=[_sample(), _sample()]))
    with pytest.raises(ValueError, match='mean and std'):
        DSADetectionDataPreprocessor(mean=[0.])
    with pytest.raises(ValueError, match='pad_size_divisor'):
        DSADetectionDataPreprocessor(pad_size_divisor=0)
    with pytest.raises(ValueError, match='at most one'):
        DSADetectionDataPreprocessor(bgr_to_rgb=True, rgb_to_bgr=True)
