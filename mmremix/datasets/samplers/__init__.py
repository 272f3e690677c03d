from .identity_sampler import IdentitySampler
from .remix_sampler import ReMixSampler
from .utils import check_loader_batch_size

__all__ = ['IdentitySampler', 'ReMixSampler', 'check_loader_batch_size']
