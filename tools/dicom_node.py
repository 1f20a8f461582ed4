"""Run the resident DICOM node (docs/deployment.md).

    python tools/dicom_node.py CONFIG [--port N] [--spool-dir DIR]

See :mod:`mmdsa.node.cli`; installed, the same command is ``mmdsa-node``.
"""
import sys

from mmdsa.node.cli import main
from mmdsa.utils.cli import run_tool

if __name__ == '__main__':
    sys.exit(run_tool(main))
