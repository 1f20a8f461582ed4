"""Class names, views and occlusion sites are written once
(mmdsa.structures); every other module imports them."""
import re

from mmdsa.structures import (CLASSIFICATION_CLASSES, DETECTION_CLASSES,
                              OCCLUSION_LEVELS, PAIR_VIEWS, VIEWS)
from tests.conftest import REPO_ROOT

# a tuple / list literal spelling one of the constants again
SPELLED = [
    re.compile(r"""['"]thrombus_free['"]\s*,\s*['"]thrombus['"]"""),
    re.compile(r"""['"]ICA-T['"]\s*,\s*['"]M1['"]"""),
    re.compile(r"""[(\[{]\s*['"]PA['"]\s*,\s*['"]LAT['"]"""),
]


def test_the_importers_hold_the_same_objects():
    from mmdsa.datasets import annotations, dataset_utils
    from mmdsa.evaluation.metrics import subgroup_metrics
    from mmdsa.synth import annotations as synth_ann
    assert annotations.CLASSIFICATION_CLASSES is CLASSIFICATION_CLASSES
    assert annotations.DETECTION_CLASSES is DETECTION_CLASSES
    assert annotations.OCCLUSION_LEVELS is OCCLUSION_LEVELS
    assert annotations.VIEWS is VIEWS and VIEWS[:2] == PAIR_VIEWS
    assert subgroup_metrics.OCCLUSION_LEVELS is OCCLUSION_LEVELS
    assert dataset_utils.VIEW_CHOICES == (None, ) + PAIR_VIEWS
    assert tuple(synth_ann.THROMBUS_CLASSES) == CLASSIFICATION_CLASSES
    assert synth_ann.PERFORATION_CATEGORY['name'] == DETECTION_CLASSES[0]


def test_no_module_spells_them_again():
    found = []
    for folder in ('mmdsa', 'tools'):
        for path in sorted((REPO_ROOT / folder).rglob('*.py')):
            if path.parent.name == 'structures':
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                code = line.split('#', 1)[0]
                if any(p.search(code) for p in SPELLED):
                    found.append(f'{path.relative_to(REPO_ROOT)}:{n}: '
                                 f'{line.strip()}')
    assert not found, '\n'.join(found)
