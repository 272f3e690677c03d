from .centroid_memory import CentroidMemory
from .data_preprocessor import ReIDDataPreprocessor
from .gather import gather, gather_with_grad
from .sync_buffers import average_float_buffers

__all__ = [
    'CentroidMemory', 'ReIDDataPreprocessor', 'gather', 'gather_with_grad', 'average_float_buffers'
]
