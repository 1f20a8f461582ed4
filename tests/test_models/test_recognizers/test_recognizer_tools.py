"""tools/run_cross_validation.py and the batching benchmark (fast paths)."""
import importlib.util
import json
import os.path as osp

import pytest

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
TINY = osp.join(ROOT, 'configs', 'thrombus',
                'cnnrnn_resnet18-tiny-bigru_8e_synthetic-thrombus.py')
PA = osp.join(ROOT, 'configs', 'thrombus',
              'cnnrnn_resnet18-bigru_130e_dsa-pa-512.py')


def _load(rel):
    spec = importlib.util.spec_from_file_location(
        osp.basename(rel)[:-3], osp.join(ROOT, rel))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cv = _load('tools/run_cross_validation.py')


def test_fold_commands_select_fold_split_and_prediction_file(tmp_path):
    args = cv.parse_args([PA, '--work-dir', str(tmp_path), '--folds', '5',
                          '--split-file', 'splits.json', '--amp'])
    assert args.fold_list == [0, 1, 2, 3, 4]
    assert args.task == 'thrombus' and args.seeds == [0]
    train, test, pred = cv.fold_commands(args, 3, 'best.pth', seed=1)
    assert train[1].endswith('train.py') and '--amp' in train
    assert train[train.index('--work-dir') + 1] == str(
        tmp_path / 'seed_1' / 'fold_3')
    assert 'randomness.seed=1' in train
    assert 'train_dataloader.dataset.fold=3' in train
    assert 'val_dataloader.dataset.fold=3' in train
    assert not any(o.startswith('test_dataloader.dataset.fold')
                   for o in train + test)
    split = osp.abspath('splits.json')
    assert f'test_dataloader.dataset.split_file={split}' in test
    assert test[2:4] == [PA, 'best.pth']
    assert pred == str(tmp_path / 'seed_1' / 'predictions' /
                       'fold_3_test.json')
    assert f'test_evaluator.prediction_file={pred}' in test
    val, val_file = cv.val_command(args, 3, 'best.pth', seed=1)
    assert val[2:4] == [PA, 'best.pth']
    assert 'test_dataloader.dataset.split=val' in val
    assert 'test_dataloader.dataset.fold=3' in val
    assert val_file == str(tmp_path / 'seed_1' / 'predictions' /
                           'fold_3_val.json')
    assert f'test_evaluator.prediction_file={val_file}' in val


def test_config_without_split_file_is_refused():
    with pytest.raises(ValueError, match='split_file'):
        cv.check_config(TINY, None)
    cv.check_config(TINY, 'splits.json')
    cv.check_config(PA, None)
    with pytest.raises(SystemExit):
        cv.parse_args([PA, '--work-dir', 'x', '--folds', '2',
                       '--only-folds', '2'])


def test_best_checkpoint_and_fold_metrics(tmp_path):
    with pytest.raises(FileNotFoundError, match='best_'):
        cv.best_checkpoint(str(tmp_path))
    (tmp_path / 'epoch_2.pth').write_bytes(b'')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    assert cv.best_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_2.pth')
    (tmp_path / 'best_mcc_epoch_1.pth').write_bytes(b'')
    assert cv.best_checkpoint(str(tmp_path)).endswith('best_mcc_epoch_1.pth')
    preds = [dict(series_id=f'S{i}', label=lab, score=s)
             for i, (lab, s) in enumerate([(1, .9), (1, .4), (0, .6),
                                           (0, .1)])]
    path = tmp_path / 'p.json'
    path.write_text(json.dumps(dict(task='thrombus', predictions=[
        dict(p, pair_id=None, view=None, patient_id=None) for p in preds])))
    got = cv.fold_metrics(str(path), 0.5)
    # AUC by hand: positive > negative in 3 of 4 pairs; MCC: tp=fp=tn=fn=1
    assert got == dict(num_series=4, auc=0.75, mcc=0.0)


def test_benchmark_reports_rates_and_stage_shares(tmp_path, capsys):
    bench = _load('tools/analysis_tools/benchmark_recognizer_batching.py')
    out = tmp_path / 'bench.json'
    result = bench.main(['--config', TINY, '--img-size', '32',
                         '--num-series', '3', '--min-groups', '1',
                         '--max-groups', '3', '--repeats', '1', '--out',
                         str(out)])
    assert json.loads(out.read_text())['groups'] == result['groups']
    assert all(1 <= g <= 3 for g in result['groups'])
    assert result['batch1_loop_seq_per_s'] > 0
    assert result['speedup'] == pytest.approx(
        result['batched_seq_per_s'] / result['batch1_loop_seq_per_s'])
    assert sum(result['share'].values()) == pytest.approx(1.0, abs=1e-6)
    assert result['share']['backbone'] > 0 and result['share']['rnn'] > 0
    assert 'seq/s' in capsys.readouterr().out
