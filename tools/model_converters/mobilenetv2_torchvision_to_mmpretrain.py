"""Convert torchvision MobileNetV2 ImageNet weights to mmpretrain's ``MobileNetV2`` key names.

torchvision names the layers ``features.0.0.weight`` ... ``features.18.1.running_var``; mmpretrain's
``MobileNetV2(widen_factor=1.0, out_indices=(7, ))`` has the same 260 tensors (without
``num_batches_tracked``) in the same order and shapes under the names ``conv1.conv.weight`` ...
``conv2.bn.running_var``. The converter maps them by position and checks every shape, so a wrong
input fails loudly instead of loading garbage.

Example:
    python tools/model_converters/mobilenetv2_torchvision_to_mmpretrain.py \
        ../shared/weights/mobilenetv2_imagenet_torchvision.pt \
        checkpoints/mobilenetv2_imagenet_mmpretrain.pth

The output holds ``{'state_dict': {...}}`` with keys prefixed by ``backbone.``; load it with
``init_cfg=dict(type='Pretrained', checkpoint=OUT, prefix='backbone.')`` on the backbone.
"""
import argparse
from collections import OrderedDict
from pathlib import Path
from typing import Dict

import torch


def convert_mobilenetv2(src: Dict[str, torch.Tensor],
                        prefix: str = 'backbone.') -> 'OrderedDict[str, torch.Tensor]':
    """Map a torchvision MobileNetV2 ``state_dict`` onto mmpretrain's key names.

    Args:
        src (dict[str, torch.Tensor]): torchvision ``features.*`` tensors (a ``classifier.*`` head
            and ``num_batches_tracked`` counters are ignored).
        prefix (str): Prepended to every output key. Defaults to ``'backbone.'``.

    Returns:
        OrderedDict[str, torch.Tensor]: The same tensors under mmpretrain's names.

    Raises:
        ValueError: If the number of tensors or any shape differs from mmpretrain's
            ``MobileNetV2(widen_factor=1.0, out_indices=(7, ))``.
    """
    from mmpretrain.models import MobileNetV2

    target = MobileNetV2(widen_factor=1.0, out_indices=(7, )).state_dict()
    target_items = [(k, v) for k, v in target.items() if not k.endswith('num_batches_tracked')]
    src_items = [(k, v) for k, v in src.items()
                 if k.startswith('features.') and not k.endswith('num_batches_tracked')]
    if len(src_items) != len(target_items):
        raise ValueError(f'Expected {len(target_items)} torchvision MobileNetV2 "features.*" '
                         'tensors, '
                         f'got {len(src_items)}: is this a MobileNetV2 (width 1.0) state_dict?')
    out = OrderedDict()
    for (src_key, tensor), (dst_key, ref) in zip(src_items, target_items):
        if tensor.shape != ref.shape:
            raise ValueError(f'Shape mismatch mapping {src_key} {tuple(tensor.shape)} -> {dst_key} '
                             f'{tuple(ref.shape)}.')
        out[prefix + dst_key] = tensor.clone()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='torchvision MobileNetV2 state_dict (.pt / .pth)')
    parser.add_argument('dst', help='output checkpoint path')
    parser.add_argument('--prefix', default='backbone.', help='prefix of the output keys')
    args = parser.parse_args()
    src = torch.load(args.src, map_location='cpu', weights_only=True)
    if 'state_dict' in src:
        src = src['state_dict']
    converted = convert_mobilenetv2(src, prefix=args.prefix)
    Path(args.dst).parent.mkdir(parents=True, exist_ok=True)
    torch.save({'state_dict': converted}, args.dst)
    print(f'Wrote {len(converted)} tensors to {args.dst}')


if __name__ == '__main__':
    main()
