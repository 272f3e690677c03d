from .re_ranking import re_rank, re_rank_memory_bytes
from .reid_evaluation import reid_evaluate, reid_evaluate_distmat

__all__ = ['reid_evaluate', 'reid_evaluate_distmat', 're_rank', 're_rank_memory_bytes']
