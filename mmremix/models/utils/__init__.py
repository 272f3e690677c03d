from .centroid_memory import CentroidMemory
from .data_preprocessor import ReIDDataPreprocessor
from .gather import gather, gather_with_grad

__all__ = ['CentroidMemory', 'ReIDDataPreprocessor', 'gather', 'gather_with_grad']
