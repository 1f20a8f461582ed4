"""Command line of the DICOM node (``tools/dicom_node.py`` and the
``mmdsa-node`` entry point)::

    mmdsa-node CONFIG [--port N] [--spool-dir DIR] [--log-level INFO]

CONFIG is the node's YAML / JSON file (:mod:`mmdsa.node.config`). The node
runs until SIGINT / SIGTERM; a killed node resumes its pending series and
undelivered results on the next start.
"""
import argparse
import logging
import sys

from mmdsa.utils.cli import register_refusal_error, run_tool

from .config import NodeConfigError, load_node_config

register_refusal_error(NodeConfigError)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Resident DICOM node: receives DSA series, runs the '
        'configured models, sends SR / GSPS / KOS results to a PACS '
        '(research use only).')
    parser.add_argument('config', help='node configuration (.yaml / .json)')
    parser.add_argument('--port', type=int,
                        help="override the config's port (0: a free one)")
    parser.add_argument('--spool-dir', help="override the config's spool_dir")
    parser.add_argument('--log-level', default='INFO',
                        choices=('DEBUG', 'INFO', 'WARNING', 'ERROR'))
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    overrides = {}
    if args.port is not None:
        overrides['port'] = args.port
    if args.spool_dir is not None:
        overrides['spool_dir'] = args.spool_dir
    cfg = load_node_config(args.config, overrides)
    logging.basicConfig(
        level=getattr(logging, args.log_level), stream=sys.stderr,
        format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    logging.getLogger('pynetdicom').setLevel(logging.WARNING)
    from .node import DicomNode
    DicomNode(cfg).serve_forever()
    return 0


def console() -> None:
    """The ``mmdsa-node`` console script."""
    sys.exit(run_tool(main))
