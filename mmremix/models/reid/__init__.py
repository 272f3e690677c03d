from .base_reid import BaseReID
from .reid_baseline import ReIDBaseline
from .reid_encoder import ReIDEncoder

__all__ = ['BaseReID', 'ReIDBaseline', 'ReIDEncoder']
