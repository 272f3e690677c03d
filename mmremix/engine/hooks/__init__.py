from .atomic_checkpoint_hook import AtomicCheckpointHook
from .momentum_encoder_hook import MomentumEncoderHook
from .remix_refresh_hook import ReMixRefreshHook

__all__ = ['AtomicCheckpointHook', 'MomentumEncoderHook', 'ReMixRefreshHook']
