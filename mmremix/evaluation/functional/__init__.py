from .reid_evaluation import reid_evaluate

__all__ = ['reid_evaluate']
