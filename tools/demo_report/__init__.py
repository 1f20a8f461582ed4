"""The demo's report (``tools/demo.py``): metrics tables, ROC curves,
operating points, a detection picture, cine loops and saliency, written as
report.md / report.html / report.json.

Demo scaffolding, so it lives beside the tools rather than in the library;
it uses only the public library (``mmdsa.apis``, ``mmdsa.evaluation``,
``mmdsa.visualization``). ``tools/`` is on ``sys.path`` when a tool runs.
"""
from .report import detection_rows, level_rows, write_report

__all__ = ['write_report', 'detection_rows', 'level_rows']
