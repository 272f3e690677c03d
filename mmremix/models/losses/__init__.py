from .augmentation_loss import AugmentationLoss
from .camera_centroids_loss import CameraCentroidsLoss
from .centroids_loss import CentroidsLoss
from .instance_loss import InstanceLoss, check_feats_labels, positive_negative_nll
from .triplet_loss import TripletLoss

__all__ = [
    'AugmentationLoss', 'CameraCentroidsLoss', 'CentroidsLoss', 'InstanceLoss', 'TripletLoss',
    'check_feats_labels', 'positive_negative_nll'
]
