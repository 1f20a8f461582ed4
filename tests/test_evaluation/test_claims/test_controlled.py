from mmdsa.evaluation.claims import (CONTROLLED_TARGETS, controlled_entry,
                                     controlled_reading, controlled_section)


def test_targets_are_a_ceiling_for_the_single_frame_model_and_a_floor_for_necks():  # noqa: E501
    low, high = CONTROLLED_TARGETS['single_frame_max'], \
        CONTROLLED_TARGETS['temporal_min']
    assert controlled_entry('RN', low, 0)['target_met']
    assert not controlled_entry('RN', low + 0.01, 0)['target_met']
    assert controlled_entry('RN+TCM', high, 0)['target_met']
    assert not controlled_entry('RN+TCM', high - 0.01, 0)['target_met']
    entry = controlled_entry('RN+TAM', 0.6, 3, 0.7,
                             dict(order_sensitivity=1e-8,
                                  order_invariant=True))
    assert entry['seed'] == 3 and entry['train_auc'] == 0.7
    assert entry['order_invariant'] is True


def test_the_reading_follows_the_two_aucs():
    low = dict(auc=0.7, target_met=False)
    assert 'does not generalise' in controlled_reading(
        'RN+TCM', dict(low, train_auc=0.95))
    assert 'does not fit them' in controlled_reading(
        'RN+TCM', dict(low, train_auc=0.75))
    assert 'not tested on its training series' in controlled_reading(
        'RN+TCM', dict(low, train_auc=None))
    assert controlled_reading('RN', dict(auc=0.6, target_met=True)) == \
        'target met'
    assert 'more than designed' in controlled_reading(
        'RN', dict(auc=0.7, target_met=False))
    assert controlled_reading('RN+BiGRU', dict(auc=0.9, target_met=True,
                                               train_auc=0.95)) == \
        'target met'


def test_the_reading_names_an_order_invariant_neck():
    res = dict(auc=0.62, target_met=False, train_auc=0.70,
               order_sensitivity=3e-8, order_invariant=True,
               output_scale=1.0)
    text = controlled_reading('RN+TAM', res)
    assert 'invisible to it' in text and '3.0e-08' in text
    assert 'does not fit them at this budget' in text
    text = controlled_reading('RN+TAM', dict(res, train_auc=0.9))
    assert 'invisible to it' in text and 'does not generalise' in text
    res.update(order_sensitivity=0.6, order_invariant=False,
               output_scale=0.1)
    text = controlled_reading('RN+BiLSTM', res)
    assert 'does not fit them' in text and 'passes 0.10' in text


def test_the_section_has_a_row_per_model_and_the_budget():
    res = {'RN+TCM': controlled_entry('RN+TCM', 0.9, 0, 0.95,
                                      dict(order_sensitivity=1.3,
                                           output_scale=0.58,
                                           order_invariant=False),
                                      ci=(0.85, 0.94)),
           'RN': controlled_entry('RN', 0.55, 0, 0.56)}
    md = controlled_section(res, 'Every model trains 10 iterations.')
    assert md.startswith('## Controlled temporal check')
    assert 'Every model trains 10 iterations.' in md
    rows = [line for line in md.splitlines() if line.startswith('| RN')]
    assert len(rows) == 2 and 'target met' in rows[0]
    assert '| 0.850-0.940 |' in rows[0] and res['RN']['auc_ci'] is None
