from .base_reid import BaseReID
from .reid_baseline import ReIDBaseline
from .reid_encoder import ReIDEncoder
from .remix import ReMix

__all__ = ['BaseReID', 'ReIDBaseline', 'ReIDEncoder', 'ReMix']
