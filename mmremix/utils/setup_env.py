"""Registration of every mmremix module and MMEngine's default scope."""
import datetime
import warnings

from mmengine import DefaultScope

from .checkpoint import register_checkpoint_loader


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import all mmremix modules so they register, and set ``mmremix`` as the default scope.

    mmpretrain's modules are imported first: a child registry finds ``type='ResNet'`` only after
    ``import mmpretrain.models`` (``../shared/docs/stack_notes.md``). The local checkpoint loader
    for torch >= 2.6 is registered here too.

    Args:
        init_default_scope (bool): Whether to make ``mmremix`` the default scope. If another scope
            is current, a new instance named ``mmremix-<timestamp>`` is created. Defaults to True.
    """
    import mmpretrain.datasets  # noqa: F401
    import mmpretrain.engine  # noqa: F401
    import mmpretrain.evaluation  # noqa: F401
    import mmpretrain.models  # noqa: F401
    import mmpretrain.visualization  # noqa: F401

    import mmremix.clustering  # noqa: F401
    import mmremix.datasets  # noqa: F401
    import mmremix.engine  # noqa: F401
    import mmremix.evaluation  # noqa: F401
    import mmremix.models  # noqa: F401
    import mmremix.visualization  # noqa: F401

    register_checkpoint_loader()

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is not None and current.scope_name == 'mmremix':
        return
    if current is not None:
        warnings.warn(f'The default scope was "{current.scope_name}"; register_all_modules() '
                      'makes it '
                      '"mmremix". Pass init_default_scope=False to keep it.')
    DefaultScope.get_instance(f'mmremix-{datetime.datetime.now()}', scope_name='mmremix')
