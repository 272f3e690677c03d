import warnings

# mmcv-lite (the install without compiled ops, see requirements/mminstall.txt) warns on every import
# that its deformable-attention op is missing; mmremix never uses mmcv.ops.
warnings.filterwarnings('ignore', message='Fail to import ``MultiScaleDeformableAttention``')

from .version import __version__  # noqa: E402,F401
