"""Pseudo-labelling of single-camera data: faiss kNN, sparse k-reciprocal Jaccard, DBSCAN."""
from .dbscan import cluster_global, cluster_videos, split_videos
from .jaccard import k_reciprocal_jaccard
from .knn import (STORED_ZERO_DISTANCE, cosine_distance_graph, distance_graph, knn_edges,
                  knn_search, l2_normalize, pair_inner_products)
from .quality import pseudo_label_quality

__all__ = [
    'cluster_videos', 'cluster_global', 'split_videos', 'k_reciprocal_jaccard', 'knn_search',
    'knn_edges', 'l2_normalize', 'pair_inner_products', 'distance_graph', 'cosine_distance_graph',
    'pseudo_label_quality', 'STORED_ZERO_DISTANCE'
]
