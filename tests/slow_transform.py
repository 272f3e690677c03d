"""A test-only transform that makes every item slow to load, as a slow disk or decoder would."""
import time

from mmcv.transforms import BaseTransform

from mmremix.registry import TRANSFORMS


@TRANSFORMS.register_module()
class SleepTransform(BaseTransform):
    """Sleep ``seconds``, then pass the results on unchanged.

    Args:
        seconds (float): Time per item.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def transform(self, results: dict) -> dict:
        time.sleep(self.seconds)
        return results
