"""tools/analysis_tools/reproduce.py: parts at equal budget, the report
through the claims ledger."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _tool():
    spec = importlib.util.spec_from_file_location(
        'reproduce', osp.join(ROOT, 'tools', 'analysis_tools',
                              'reproduce.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_models_differ_only_where_the_paper_says_at_equal_budget(tmp_path):
    rep = _tool()
    s = rep.scale(True)
    # one model of each kind (the rest differ in the same fields)
    names = ('Faster R-CNN', 'Cascade R-CNN', 'RN', 'RN-DIoU', 'RN+TCM',
             'RN+TAM', 'RN+BiLSTM', 'RN+TCM T=3', 'RN+TCM@25%')
    cfgs = {n: rep.model_config(n, str(tmp_path / 'd'), 'temporal', 3, s,
                                iters=77)
            for n in names}
    for name, cfg in cfgs.items():
        kind, neck, frames, beta, percent = rep.MODELS[name]
        assert cfg.model.num_frames == frames
        assert cfg.train_dataloader.dataset.pipeline[0].num_frames == frames
        assert cfg.test_dataloader.dataset.pipeline[0].num_frames == frames
        assert (cfg.model.temporal_neck is None) == (neck is None)
        # equal budget: the same iterations and key-frame interval
        assert cfg.train_cfg.type == 'IterBasedTrainLoop'
        assert cfg.train_cfg.max_iters == 77
        assert cfg.train_dataloader.dataset.key_frame_interval == \
            s['key_frame_interval']
        assert cfg.model.series_post_processor.type == 'TrajectoryOptimizer'
        assert cfg.val_dataloader is None and cfg.randomness.seed == 3
        assert cfg.test_dataloader.dataset.synthetic['seed'] == 32
        assert cfg.test_dataloader.dataset.synthetic['num_series'] == \
            s['series'][2]
        if kind == 'retinanet':
            assert cfg.model.detector.bbox_head.loss_bbox.beta == beta
            assert cfg.model.detector.test_cfg.max_per_img == 1
        else:
            assert cfg.model.detector.test_cfg.rcnn.max_per_img == 1
    # the paper's plain TCM, not the residual variant
    for name in ('RN+TCM', 'RN+TCM T=3', 'RN+TCM@25%'):
        assert cfgs[name].model.temporal_neck.residual is False
    assert cfgs['RN+TAM'].model.temporal_neck.type == 'TemporalAttention'
    assert cfgs['RN-DIoU'].model.detector.bbox_head.loss_bbox.beta == 0.0
    assert cfgs['Cascade R-CNN'].model.detector.type == 'CascadeRCNN'


def test_parts_cover_every_model_the_ledger_needs():
    from mmdsa.evaluation.claims import PERFORATION_CLAIMS, ledger_models
    rep = _tool()
    trained = {m for p, ms in rep.PARTS.items() if p != 'controlled'
               for m in ms}
    derived = {m + '+SO' for m in trained} | {'median ensemble'}
    assert set(ledger_models(PERFORATION_CLAIMS)) <= trained | derived


def test_every_default_part_is_estimated_within_80_minutes():
    rep = _tool()
    for part in rep.PARTS:
        assert rep.estimate_minutes(part) <= 80, part


def test_learning_curve_trains_on_a_subset_and_tests_on_the_same_series(
        tmp_path):
    rep = _tool()
    args = rep.parse_args(['--part', 'learning_curve', '--quick',
                           '--work-dir', str(tmp_path)])
    jobs = rep.jobs_of_part(args, 'learning_curve', rep.scale(True), 0, 9)
    from mmengine.config import Config
    roots = set()
    for job in jobs:
        cfg = Config.fromfile(job['config'])
        roots.add(cfg.test_dataloader.dataset.data_root)
        assert 'train25' in cfg.train_dataloader.dataset.data_root or \
            'train50' in cfg.train_dataloader.dataset.data_root
        assert cfg.train_cfg.max_iters == 9
    assert roots == {osp.join(str(tmp_path), 'seed_0', 'data', 'temporal',
                              'test') + '/'}


def test_tiny_rcnn_baselines_build():
    from mmengine.registry import DefaultScope

    from mmdsa.registry import MODELS
    from mmdsa.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    rep = _tool()
    for kind in ('faster-rcnn', 'cascade-rcnn'):
        with DefaultScope.overwrite_default_scope('mmdsa'):
            model = MODELS.build(rep.tiny_rcnn(kind))
        n = sum(p.numel() for p in model.parameters())
        assert n < 5_000_000, (kind, n)


def _prediction_file(path, rng, quality, n=24):
    box = [10.0, 10.0, 20.0, 20.0]
    preds = []
    for i in range(n):
        label = i % 2
        frames = []
        for f in range(3):
            s = float(np.clip(0.3 + quality * label + rng.normal(0, 0.2),
                              0.06, 1.0))
            frames.append(dict(frame_id=f, bboxes=[box], scores=[s],
                               gt_bboxes=[box] if label else []))
        preds.append(dict(series_id=f's{i}', label=label,
                          score=max(fr['scores'][0] for fr in frames),
                          frames=frames))
    path.write_text(json.dumps(dict(
        task='perforation', model=path.stem, predictions=preds,
        series_post_processor=dict(type='TrajectoryOptimizer'))))


def test_report_merges_the_parts_through_the_ledger(tmp_path):
    rep = _tool()
    rng = np.random.default_rng(0)
    parts = tmp_path / 'work' / 'parts'
    parts.mkdir(parents=True)
    for part in ('table1', 'ablation'):
        preds = {}
        for seed in (0, 1):
            preds[str(seed)] = {}
            for k, name in enumerate(rep.PARTS[part]):
                f = tmp_path / 'work' / f'{part}_{seed}_{k}.json'
                _prediction_file(f, rng, 0.3 if 'RN+' in name else 0.1)
                preds[str(seed)][name] = osp.relpath(f, parts)
        (parts / f'{part}.json').write_text(json.dumps(dict(
            part=part, quick=True, seeds=[0, 1], level='temporal',
            budget=dict(iterations_per_seed={'0': 5, '1': 5},
                        key_frame_interval=2, batch_size=2, image_size=64,
                        series=[6, 2, 24], epochs_full_set=1),
            run_min=1.0, minutes_per_model={}, predictions=preds)))
    # the controlled part: one seed, its own level, its own schedule
    ctl = {}
    for k, name in enumerate(rep.PARTS['controlled']):
        f = tmp_path / 'work' / f'controlled_{k}.json'
        _prediction_file(f, rng, 0.0 if name == 'RN' else 0.5)
        ctl[name] = osp.relpath(f, parts)
    (parts / 'controlled.json').write_text(json.dumps(dict(
        part='controlled', quick=True, seeds=[0],
        level='temporal-controlled',
        budget=dict(iterations_per_seed={'0': 9}, key_frame_interval=2,
                    batch_size=2, image_size=64, series=[6, 2, 24],
                    epochs_full_set=1),
        run_min=1.0, minutes_per_model={}, predictions={'0': ctl},
        train_split_predictions={'0': {'RN': ctl['RN']}})))
    out = tmp_path / 'docs'
    assert rep.main(['--report', '--work-dir', str(tmp_path / 'work'),
                     '--out-dir', str(out), '--bootstrap', '20']) == 0
    data = json.loads((out / 'reproduction.json').read_text())
    assert data['format'] == 'claims-ledger' and data['quick'] is True
    by = {c['id']: c for c in data['claims']}
    assert by['T1-st-auc-RN+TCM>RN']['verdict'] in (
        'reproduced', 'consistent', 'not reproduced', 'contradicted')
    assert by['T2-frames-auc-RN+TCM-T5>T3']['verdict'] == 'not run'
    assert by['T3-ablation-auc-DR-IoU']['p'] is not None
    assert by['T1-st-auc-RN+BiLSTM>RN']['verdict'] == 'not run'
    assert sum(data['counts'].values()) == len(data['claims'])
    md = (out / 'reproduction.md').read_text()
    assert md.startswith('<!-- Written by') and 'T1-so-auc-RN' in md
    # the controlled models are not ledger seeds; each gets its reading
    assert set(data['controlled']) == set(rep.PARTS['controlled'])
    assert data['controlled']['RN']['train_auc'] is not None
    assert data['controlled']['RN+TCM']['train_auc'] is None
    assert data['controlled']['RN+TAM']['order_invariant'] is True
    assert data['controlled']['RN+TCM']['order_invariant'] is False
    assert 'Every model trains 9 iterations (1 passes' in md
    assert (out / 'reproduction_analysis.md').is_file()
    assert data['figures'] == ['reproduction_roc_seed_0.png',
                               'reproduction_roc_seed_1.png']
    assert (out / 'reproduction_roc_seed_0.png').is_file()


def test_report_without_parts_is_refused(tmp_path):
    from mmdsa.utils.cli import ToolError
    rep = _tool()
    with pytest.raises(ToolError, match='no finished part'):
        rep.main(['--report', '--work-dir', str(tmp_path)])


def test_a_part_refuses_to_mix_scales(tmp_path):
    from mmdsa.utils.cli import ToolError
    rep = _tool()
    (tmp_path / 'parts').mkdir()
    (tmp_path / 'parts' / 'ablation.json').write_text(json.dumps(dict(
        quick=False, predictions={})))
    with pytest.raises(ToolError, match='quick=False, now quick=True'):
        rep.main(['--part', 'ablation', '--quick', '--work-dir',
                  str(tmp_path)])


def test_controlled_models_are_also_tested_on_their_training_series(
        tmp_path):
    rep = _tool()
    s = rep.scale(True)
    cfg = rep.model_config('RN+TCM', str(tmp_path / 'd'),
                           'temporal-controlled', 0, s, iters=5)
    job = rep.train_split_check(cfg, str(tmp_path / 'w'))
    from mmengine.config import Config
    check = Config.fromfile(job['train_config'])
    test, train = check.test_dataloader.dataset, cfg.train_dataloader.dataset
    # the training series, read as the test split reads (every frame a
    # key frame, no augmentation), predictions of their own
    assert test.data_root == train.data_root
    assert test.synthetic == train.synthetic
    assert test.test_mode and 'key_frame_interval' not in test
    assert [t.type for t in test.pipeline] == \
        [t.type for t in cfg.test_dataloader.dataset.pipeline]
    assert check.test_evaluator.prediction_file == job['train_predictions']
    assert job['train_predictions'] != cfg.test_evaluator.get(
        'prediction_file')


def test_a_model_whose_config_changed_is_trained_again(tmp_path,
                                                        monkeypatch):
    rep = _tool()
    calls = []

    def fake_tool(args):
        calls.append(args[0])
        if args[0] == 'test.py':
            (tmp_path / 'predictions.json').write_text('{}')

    monkeypatch.setattr(rep, 'run_tool', fake_tool)
    monkeypatch.setattr(rep, 'best_or_last_checkpoint', lambda d: 'ck.pth')
    cfg = tmp_path / 'config.py'
    cfg.write_text('a = 1\n')
    job = dict(seed=0, name='RN', config=str(cfg), work_dir=str(tmp_path),
               predictions=str(tmp_path / 'predictions.json'))
    assert rep.run_job(job) is not None and calls == ['train.py', 'test.py']
    # same config: done before
    assert rep.run_job(job) is None and len(calls) == 2
    # a run of before the stamps (predictions, no stamp): done before
    (tmp_path / 'done.json').unlink()
    assert rep.run_job(job) is None and len(calls) == 2
    # the config changed: trained again, the old predictions kept aside
    cfg.write_text('a = 2\n')
    assert rep.run_job(job) is not None and len(calls) == 4
    assert (tmp_path / 'predictions.json.stale').is_file()


def test_recurrent_necks_train_on_the_tiny_fpn(tmp_path):
    """One training step of each study neck on the tiny FPN's smallest
    levels (a GroupNorm group must hold more than one value there)."""
    import torch

    from mmdsa.registry import MODELS
    rep = _tool()
    cfg = rep.model_config('RN+BiLSTM', str(tmp_path), 'temporal', 0,
                           rep.scale(True), iters=1)
    channels = cfg.model.temporal_neck.in_channels
    for name, neck_cfg in rep.NECKS.items():
        neck = MODELS.build(dict(neck_cfg, in_channels=channels,
                                 num_levels=2)).train()
        # batch 1 (a training batch can hold a single window)
        feats = [torch.randn(1, 5, channels, 1, 1, requires_grad=True),
                 torch.randn(1, 5, channels, 2, 2, requires_grad=True)]
        sum(o.sum() for o in neck(feats)).backward()


def test_the_controlled_part_trains_every_model_longer_and_refuses_a_record_of_another_schedule(tmp_path):  # noqa: E501
    from mmdsa.utils.cli import ToolError
    rep = _tool()
    full = rep.scale(False)
    assert rep.part_epochs('controlled', full) > rep.part_epochs(
        'table1', full) == full['epochs']
    # every model of the part shares the part's schedule
    assert rep.PARTS['controlled'][0] == 'RN'
    (tmp_path / 'parts').mkdir()
    (tmp_path / 'parts' / 'controlled.json').write_text(json.dumps(dict(
        quick=False, level='temporal-controlled', predictions={},
        budget=dict(epochs_full_set=8))))
    with pytest.raises(ToolError, match='epochs_full_set=8, now 16'):
        rep.main(['--part', 'controlled', '--work-dir', str(tmp_path)])
