from .centroid_memory import CentroidMemory
from .data_preprocessor import ReIDDataPreprocessor

__all__ = ['CentroidMemory', 'ReIDDataPreprocessor']
