"""View names: the one place they are written.

Every layer (readers, annotations, datasets, metrics, ensembles, tools)
imports these instead of spelling the strings again.
"""

#: The two views of a PA+LAT pair (Mittmann et al., papers.md A), in the
#: order a pair is laid out (PA first).
PAIR_VIEWS = ('PA', 'LAT')

#: Every value a series' ``view`` may take: a pair's views, or ``'unknown'``
#: when neither the positioner angles nor ViewPosition say (mmdsa.fileio).
VIEWS = PAIR_VIEWS + ('unknown', )

#: ``view`` of a combined PA+LAT pair record.
PAIR_VIEW = 'PA+LAT'
