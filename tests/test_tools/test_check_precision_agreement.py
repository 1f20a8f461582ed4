"""Figures of tools/analysis_tools/check_precision_agreement.py against
scikit-learn (AUC) and hand counts."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def tool():
    path = ROOT / 'tools/analysis_tools/check_precision_agreement.py'
    spec = importlib.util.spec_from_file_location('agreement_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_agreement_figures(tool):
    rng = np.random.default_rng(0)
    labels = np.array([0, 1] * 20)
    ref = np.clip(0.3 * labels + rng.uniform(0, 0.7, 40), 0, 1)
    low = ref + rng.uniform(-0.01, 0.01, 40)
    low[3] = ref[3] + 0.05  # one larger difference
    thr = 0.5
    verdicts = {p: np.where(s >= thr, 'positive', 'negative').tolist()
                for p, s in (('fp32', ref), ('bf16', low))}
    fig = tool.agreement({'fp32': ref, 'bf16': low}, verdicts, labels, thr,
                         200)
    assert fig['max_diff'] == pytest.approx(0.05)
    assert fig['median_diff'] == pytest.approx(np.median(np.abs(ref - low)))
    same = np.mean((ref >= thr) == (low >= thr))
    assert fig['verdicts_same'] == pytest.approx(same)
    assert not fig['degenerate']
    assert fig['auc_fp32'] == pytest.approx(roc_auc_score(labels, ref))
    assert fig['auc_bf16'] == pytest.approx(roc_auc_score(labels, low))
    lo, hi = fig['ci_fp32']
    assert lo < fig['auc_fp32'] < hi
    assert fig['within']


def test_degenerate_threshold_and_far_apart_aucs(tool):
    labels = np.array([0, 0, 1, 1] * 5)
    ref = np.where(labels == 1, 0.9, 0.1) + np.linspace(0, 0.05, 20)
    low = 1.0 - ref  # the opposite ranking: AUC 1 vs 0
    verdicts = {'fp32': ['positive'] * 20, 'bf16': ['positive'] * 20}
    fig = tool.agreement({'fp32': ref, 'bf16': low}, verdicts, labels, 0.0,
                         200)
    assert fig['degenerate']  # threshold below every score
    assert fig['verdicts_same'] == 1.0
    assert fig['auc_fp32'] == 1.0 and fig['auc_bf16'] == 0.0
    assert not fig['within']
