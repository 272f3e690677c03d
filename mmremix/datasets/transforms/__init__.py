from .pack_reid_inputs import PackReIDInputs

__all__ = ['PackReIDInputs']
