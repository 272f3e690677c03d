from .feature_extractor import FeatureExtractor, collect_image_paths, init_model

__all__ = ['FeatureExtractor', 'collect_image_paths', 'init_model']
