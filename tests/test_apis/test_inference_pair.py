"""mmdsa.apis.inference_pair follows the one pairing rule: the pair score
is pair_score of the two views, and swapped views are refused."""
import datetime

import numpy as np
import pytest

from mmdsa.structures import pair_score

TINY = 'configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py'


def test_inference_pair_scores_and_checks_views(tmp_path):
    from mmdsa.apis import inference_pair, init_model
    from mmdsa.synth.dicom_writer import synthetic_uid, write_xa_dicom
    model = init_model(TINY)
    rng = np.random.default_rng(2)
    paths = {}
    for i, view in enumerate(('PA', 'LAT')):
        frames = rng.integers(0, 4095, (4, 64, 64)).astype(np.uint16)
        paths[view] = write_xa_dicom(
            str(tmp_path / f'{view}.dcm'), frames, 500.0, view, 'P1',
            synthetic_uid('study'), synthetic_uid(f'series{i}'),
            synthetic_uid(f'sop{i}'), datetime.datetime(2024, 1, 1))
    res = inference_pair(model, paths['PA'], paths['LAT'])
    assert res['pair_score'] == pytest.approx(pair_score(
        res['pa']['probability'], res['lat']['probability']))
    assert res['decision']['verdict'] in ('positive', 'negative')
    with pytest.raises(ValueError, match=r"LAT\.dcm: given as the PA .*"
                       r"swapped"):
        inference_pair(model, paths['LAT'], paths['PA'])
    with pytest.raises(ValueError, match=r"PA\.dcm: given as the LAT"):
        inference_pair(model, paths['PA'], paths['PA'])
