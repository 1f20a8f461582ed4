"""One published claim, kept as data (the shared format of every ledger)."""
from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence, Tuple

from ..functional.verdict import DIRECTIONS

#: metrics a claim may name: series / pair level (``auc``, ``sens95``,
#: ``youden_sens``, ``mcc`` and ``sens`` at the model's operating
#: threshold) and localisation at the series Youden point (``docs/
#: metrics.md``)
METRICS = ('auc', 'sens95', 'youden_sens', 'mcc', 'sens', 'ap50', 'ar50',
           'ap_cin', 'ar_cin', 'auprc')


@dataclass(frozen=True)
class Claim:
    """A claim of a paper, as the ledger tests it.

    Attributes:
        id (str): Unique, stable id (``'T1-so-auc-RN+TCM'``).
        source (str): Where the paper makes it (table, section, figure).
        statement (str): The claim in the paper's words.
        models (tuple[str, ...]): ``(A, B)`` for ``'>'`` / ``'>='`` (A is
            the one claimed larger); two or more models for
            ``'no difference'``.
        metric (str): One of :data:`METRICS`.
        direction (str): ``'>'``, ``'>='`` or ``'no difference'``.
        paper (dict): The paper's numbers (model -> value, or e.g.
            ``{'anova_p': 0.986}``).
        testable (bool): False when this benchmark cannot test it.
        reason (str): Why not (required when ``testable`` is False), or a
            note on how it is tested here.
        subgroups (tuple | None): For a comparison within one model's units:
            ``((sites of A), (sites of B))`` matched against each unit's
            ``site`` (e.g. occlusion site M1/M2 vs M3/M4); the test is then
            unpaired (a bootstrap over the units).
        margin (float): Equivalence margin of a ``'no difference'`` claim
            (in the metric's units).
    """
    id: str
    source: str
    statement: str
    models: Tuple[str, ...]
    metric: str
    direction: str
    paper: Dict[str, float] = field(default_factory=dict)
    testable: bool = True
    reason: str = ''
    subgroups: Optional[Tuple[Tuple[str, ...], Tuple[str, ...]]] = None
    margin: float = 0.05

    def __post_init__(self):
        where = f'Claim {self.id!r}'
        if self.direction not in DIRECTIONS:
            raise ValueError(f'{where}: direction: expected one of '
                             f'{DIRECTIONS}, got {self.direction!r}')
        if self.metric not in METRICS:
            raise ValueError(f'{where}: metric: expected one of {METRICS}, '
                             f'got {self.metric!r}')
        n = len(self.models)
        if self.direction == 'no difference':
            if n < 2:
                raise ValueError(f'{where}: models: expected >= 2 models '
                                 f"for 'no difference', got {n}")
        elif n != 2:
            raise ValueError(f'{where}: models: expected (A, B) for '
                             f'{self.direction!r}, got {self.models!r}')
        if not self.testable and not self.reason:
            raise ValueError(f'{where}: reason: expected why it is not '
                             'testable here, got nothing')
        if self.subgroups is not None and len(self.subgroups) != 2:
            raise ValueError(f'{where}: subgroups: expected two groups of '
                             f'sites, got {self.subgroups!r}')


def check_ledger(claims: Sequence[Claim]) -> None:
    """Refuse a ledger with duplicate ids.

    Raises:
        ValueError: naming the duplicate ids.
    """
    seen, dup = set(), []
    for c in claims:
        if c.id in seen:
            dup.append(c.id)
        seen.add(c.id)
    if dup:
        raise ValueError(f'claims ledger: duplicate claim ids {sorted(dup)}')


def ledger_models(claims: Sequence[Claim]) -> Tuple[str, ...]:
    """Every model a ledger's testable claims need, in first-use order."""
    out = []
    for c in claims:
        if c.testable:
            out += [m for m in c.models if m not in out]
    return tuple(out)
