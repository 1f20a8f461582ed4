"""The scope check: each header rule fires on a crafted header (and not on
the synthetic XA the models train on), the Mahalanobis distance against
scipy, and the verdict out_of_scope / --force through the API."""
import datetime

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from mmdsa.apis import scope as S

CALIBRATED = dict(
    modalities=['XA'], num_frames=[8, 12], frame_rate_fps=[2.0, 4.0],
    rows=[64, 64], columns=[64, 64], subtraction=['unknown'], slack=0.5,
    min_frames=5)
GOOD = dict(dicom=True, modality='XA', num_frames=10, rows=64, columns=64,
            frame_rate_fps=3.0, frame_time_source='FrameTime',
            primary_angle=0.0, secondary_angle=0.0, subtraction='unknown',
            subtraction_evidence='the header does not say')


def _limits(**kw):
    return dict(CALIBRATED, max_oblique_deg=20.0, **kw)


def test_in_scope_series_passes_every_rule():
    for name, rule in S.RULES.items():
        assert rule(GOOD, _limits()) is None, name


@pytest.mark.parametrize('rule,change,words', [
    ('modality', dict(modality='RF'), ['modality: RF', 'XA']),
    ('frame_count', dict(num_frames=1), ['needs at least 5']),
    ('frame_count', dict(num_frames=96), ['96', 'training series had 8-12',
                                          'accepted 4-18']),
    ('frame_rate', dict(frame_rate_fps=30.3), ['30.3 frames/s', '2-4']),
    ('frame_rate', dict(frame_rate_fps=0.5), ['0.5 frames/s']),
    ('image_size', dict(rows=512), ['Rows 512', 'accepted 32-96']),
    ('image_size', dict(columns=20), ['Columns 20']),
    ('view', dict(primary_angle=-32.0, secondary_angle=2.0),
     ['oblique', '32 degrees from PA', 'view unknown']),
    ('view', dict(primary_angle=90.0, secondary_angle=25.0),
     ['25 degrees from LAT']),
    ('subtraction', dict(subtraction='unsubtracted',
                         subtraction_evidence='RecommendedViewingMode NAT'),
     ['unsubtracted', 'NAT', 'trained on subtracted']),
])
def test_each_rule_fires(rule, change, words):
    facts = dict(GOOD, **change)
    reason = S.RULES[rule](facts, _limits())
    prefix = dict(frame_count='number of frames', frame_rate='frame rate',
                  image_size='image size').get(rule, rule)
    assert reason is not None and reason.startswith(prefix + ':'), reason
    for word in words:
        assert word in reason, (word, reason)
    # and only that rule fires
    others = [n for n, r in S.RULES.items() if n != rule
              and r(facts, _limits())]
    assert others == []


def test_view_rule_limit_is_configurable_and_symmetric():
    facts = dict(GOOD, primary_angle=175.0, secondary_angle=-12.0)
    assert S.check_view(facts, _limits()) is None   # 5 / 12 degrees off PA
    assert S.check_view(facts, dict(_limits(), max_oblique_deg=10.0))
    assert S.view_deviation_deg(-95.0, 0.0) == dict(nearest='LAT',
                                                     deviation_deg=5.0)
    assert S.view_deviation_deg(None, 10.0) is None


def test_feature_distance_rule_and_mahalanobis_against_scipy():
    from scipy.spatial.distance import mahalanobis
    from sklearn.covariance import LedoitWolf
    rng = np.random.default_rng(0)
    train = rng.normal(size=(30, 6))
    val = rng.normal(size=(10, 6))
    model = S.fit_distance_model(train, val, quantile=0.9, margin=1.2)
    cov = LedoitWolf().fit(train).covariance_
    x = rng.normal(size=6) + 3.0
    assert S.feature_distance(x, model) == pytest.approx(
        mahalanobis(x, train.mean(0), np.linalg.inv(cov)), rel=1e-9)
    dists = [mahalanobis(v, train.mean(0), np.linalg.inv(cov)) for v in val]
    assert model['threshold'] == pytest.approx(
        np.quantile(dists, 0.9) * 1.2, rel=1e-9)
    limits = _limits(distance=model)
    near = dict(GOOD, feature_distance=float(np.min(dists)))
    far = dict(GOOD, feature_distance=model['threshold'] * 2)
    assert S.check_feature_distance(near, limits) is None
    reason = S.check_feature_distance(far, limits)
    assert reason.startswith('feature distance') and '0.9 quantile' in reason
    with pytest.raises(S.ScopeError, match='at least 2 training series'):
        S.fit_distance_model(train[:1], val)


def _ds(**kw):
    ds = Dataset()
    for k, v in kw.items():
        setattr(ds, k, v)
    return ds


@pytest.mark.parametrize('kw,status,evidence', [
    (dict(ImageType=['DERIVED', 'PRIMARY', 'SINGLE A', 'SUBTRACTED']),
     'subtracted', 'ImageType'),
    (dict(ImageType=['ORIGINAL', 'PRIMARY'],
          DerivationDescription='Pixel subtraction with mask 1'),
     'subtracted', 'DerivationDescription'),
    (dict(RecommendedViewingMode='NAT'), 'unsubtracted', 'NAT'),
    (dict(MaskSubtractionSequence=[_ds(MaskOperation='AVG_SUB')],
          RecommendedViewingMode='SUB'), 'unsubtracted', 'AVG_SUB'),
    (dict(MaskSubtractionSequence=[_ds(MaskOperation='NONE')]),
     'unsubtracted', 'NONE'),
    (dict(ImageType=['ORIGINAL', 'PRIMARY', 'SINGLE PLANE']), 'unknown',
     'does not say'),
])
def test_subtraction_status_from_header(kw, status, evidence):
    got = S.subtraction_status(_ds(**kw))
    assert got['status'] == status and evidence in got['evidence']


def test_check_scope_uncalibrated_and_forced():
    oblique = dict(GOOD, primary_angle=40.0, modality='RF', num_frames=3)
    res = S.check_scope(oblique, None, min_frames=5)
    assert not res['in_scope'] and not res['forced']
    assert [r.split(':')[0] for r in res['reasons']] == [
        'modality', 'number of frames', 'view']
    assert res['figures']['calibrated'] is False
    assert 'feature_distance' not in res['figures']['rules_run']
    forced = S.check_scope(oblique, None, min_frames=5, force=True)
    assert forced['forced'] and forced['reasons'] == res['reasons']
    ok = S.check_scope(GOOD, dict(format=S.SCOPE_FORMAT,
                                  limits=CALIBRATED), min_frames=5,
                       force=True)
    assert ok['in_scope'] and not ok['forced']
    assert S.scope_view('PA', res) == 'unknown'


def _write_xa(path, view='PA', frames=8, size=64, frame_time=330.0, seed=0):
    from mmdsa.synth.dicom_writer import synthetic_uid, write_xa_dicom
    arr = np.random.default_rng(seed).integers(
        1500, 2500, (frames, size, size)).astype(np.uint16)
    return write_xa_dicom(str(path), arr, frame_time, view, 'P1',
                          synthetic_uid('st'), synthetic_uid('se', path),
                          synthetic_uid('sop', path),
                          datetime.datetime(2024, 1, 1))


def test_series_facts_read_a_crafted_header(tmp_path):
    from mmdsa.fileio import read_dsa_series
    path = _write_xa(tmp_path / 'a.dcm')
    ds = pydicom.dcmread(path)
    ds.Modality = 'RF'
    ds.PositionerPrimaryAngle = -32
    ds.PositionerSecondaryAngle = 2
    ds.RecommendedViewingMode = 'NAT'
    ds.FrameTime = 33
    ds.save_as(path)
    series = read_dsa_series(path, modalities='any')
    facts = S.series_facts(series.meta, series.frame_times_ms,
                           series.frame_time_source)
    assert facts['modality'] == 'RF' and facts['num_frames'] == 8
    assert facts['frame_rate_fps'] == pytest.approx(1000 / 33)
    assert facts['subtraction'] == 'unsubtracted'
    assert facts['primary_angle'] == -32.0
    res = S.check_scope(facts, dict(format=S.SCOPE_FORMAT,
                                    limits=CALIBRATED), min_frames=5)
    assert [r.split(':')[0] for r in res['reasons']] == [
        'modality', 'frame rate', 'view', 'subtraction']


@pytest.fixture(scope='module')
def calibrated_model(tmp_path_factory):
    """A random-weight tiny recognizer whose scope is calibrated on
    synthetic-writer XA series (PA and LAT, 8 frames, 64 px, 3 frames/s)."""
    from mmdsa.apis import init_model
    root = tmp_path_factory.mktemp('scope')
    model = init_model(
        'configs/thrombus/cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py')
    paths = [_write_xa(root / f's{i}.dcm', view=('PA', 'LAT')[i % 2],
                       seed=i) for i in range(8)]
    scope = S.calibrate_scope(model, paths[:5], paths[5:])
    model.operating_point = dict(threshold=0.5, scope=scope, file='x')
    return model, root, scope


def test_calibrated_scope_verdicts(calibrated_model, tmp_path):
    from mmdsa.apis import inference_series
    model, root, scope = calibrated_model
    limits = scope['limits']
    assert limits['modalities'] == ['XA'] and limits['num_frames'] == [8, 8]
    assert limits['frame_rate_fps'] == [pytest.approx(1000 / 330)] * 2
    assert limits['min_frames'] == 3  # the recognizer's frame group
    ok = inference_series(model, _write_xa(tmp_path / 'ok.dcm', seed=20))
    assert ok['scope']['in_scope'], ok['scope']['reasons']
    assert ok['decision']['verdict'] in ('positive', 'negative')
    assert ok['scope']['figures']['feature_distance'] <= \
        limits['distance']['threshold']
    fast = _write_xa(tmp_path / 'fast.dcm', frame_time=33.0, seed=21)
    out = inference_series(model, fast)
    assert out['decision']['verdict'] == 'out_of_scope'
    assert out['decision']['reasons'] == out['scope']['reasons']
    assert out['scope']['reasons'][0].startswith('frame rate')
    forced = inference_series(model, fast, force=True)
    assert forced['decision']['verdict'] in ('positive', 'negative')
    assert forced['decision']['forced'] and forced['scope']['forced']
    # an oblique is view 'unknown', never PA
    path = _write_xa(tmp_path / 'obl.dcm', seed=22)
    ds = pydicom.dcmread(path)
    ds.PositionerPrimaryAngle = 32
    ds.save_as(path)
    obl = inference_series(model, path)
    assert obl['meta']['view'] == 'unknown'
    assert obl['meta']['header_view'] == 'PA'
    assert obl['decision']['verdict'] == 'out_of_scope'
