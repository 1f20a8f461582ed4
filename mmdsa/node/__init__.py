"""A resident DICOM node: a Storage SCP that receives DSA series, runs the
configured models on each complete series and C-STOREs the result objects
to a PACS (docs/deployment.md)."""
from .config import NodeConfig, NodeConfigError, load_node_config
from .node import DicomNode, SeriesOutput, format_series_line
from .spool import Spool

__all__ = ['DicomNode', 'NodeConfig', 'NodeConfigError', 'SeriesOutput',
           'Spool', 'format_series_line', 'load_node_config']
