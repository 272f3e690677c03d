from .augmentation_loss import AugmentationLoss
from .camera_centroids_loss import CameraCentroidsLoss
from .centroids_loss import CentroidsLoss
from .instance_loss import InstanceLoss
from .triplet_loss import TripletLoss
from .utils import TemperatureLoss, check_feats_labels, positive_negative_nll

__all__ = [
    'AugmentationLoss', 'CameraCentroidsLoss', 'CentroidsLoss', 'InstanceLoss', 'TripletLoss',
    'TemperatureLoss', 'check_feats_labels', 'positive_negative_nll'
]
