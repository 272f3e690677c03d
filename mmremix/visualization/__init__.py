from .activation_map import grad_cam, overlay_heatmap
from .cluster_gallery import draw_cluster_gallery
from .rank_list import RankListStyle, draw_rank_list, stack_rank_lists

__all__ = [
    'RankListStyle', 'draw_cluster_gallery', 'draw_rank_list', 'grad_cam', 'overlay_heatmap',
    'stack_rank_lists'
]
