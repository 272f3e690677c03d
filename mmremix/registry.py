"""Registries of mmremix.

Every registry is a child of the matching mmpretrain registry, so a config in the ``mmremix`` scope
can name mmremix components (``type='ReMix'``) and mmpretrain / mmengine ones (``type='ResNet'``,
``type='Adam'``) alike (``MODEL_WRAPPERS`` is the exception, see below). ``locations`` lets MMEngine
import the modules that register into each registry when a config is built.
"""
from mmpretrain.registry import BATCH_AUGMENTS as MMPRETRAIN_BATCH_AUGMENTS
from mmpretrain.registry import DATA_SAMPLERS as MMPRETRAIN_DATA_SAMPLERS
from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS
from mmpretrain.registry import EVALUATORS as MMPRETRAIN_EVALUATORS
from mmpretrain.registry import HOOKS as MMPRETRAIN_HOOKS
from mmpretrain.registry import LOG_PROCESSORS as MMPRETRAIN_LOG_PROCESSORS
from mmpretrain.registry import LOOPS as MMPRETRAIN_LOOPS
from mmpretrain.registry import METRICS as MMPRETRAIN_METRICS
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmpretrain.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMPRETRAIN_OPTIM_WRAPPER_CONSTRUCTORS
from mmpretrain.registry import OPTIM_WRAPPERS as MMPRETRAIN_OPTIM_WRAPPERS
from mmpretrain.registry import OPTIMIZERS as MMPRETRAIN_OPTIMIZERS
from mmpretrain.registry import PARAM_SCHEDULERS as MMPRETRAIN_PARAM_SCHEDULERS
from mmpretrain.registry import \
    RUNNER_CONSTRUCTORS as MMPRETRAIN_RUNNER_CONSTRUCTORS
from mmpretrain.registry import RUNNERS as MMPRETRAIN_RUNNERS
from mmpretrain.registry import TASK_UTILS as MMPRETRAIN_TASK_UTILS
from mmpretrain.registry import TRANSFORMS as MMPRETRAIN_TRANSFORMS
from mmpretrain.registry import VISBACKENDS as MMPRETRAIN_VISBACKENDS
from mmpretrain.registry import VISUALIZERS as MMPRETRAIN_VISUALIZERS
from mmpretrain.registry import \
    WEIGHT_INITIALIZERS as MMPRETRAIN_WEIGHT_INITIALIZERS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import Registry

RUNNERS = Registry('runner', parent=MMPRETRAIN_RUNNERS, locations=['mmremix.engine'])
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor', parent=MMPRETRAIN_RUNNER_CONSTRUCTORS, locations=['mmremix.engine'])
LOOPS = Registry('loop', parent=MMPRETRAIN_LOOPS, locations=['mmremix.engine'])
HOOKS = Registry('hook', parent=MMPRETRAIN_HOOKS, locations=['mmremix.engine'])
LOG_PROCESSORS = Registry(
    'log processor', parent=MMPRETRAIN_LOG_PROCESSORS, locations=['mmremix.engine'])
OPTIMIZERS = Registry('optimizer', parent=MMPRETRAIN_OPTIMIZERS, locations=['mmremix.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMPRETRAIN_OPTIM_WRAPPERS, locations=['mmremix.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMPRETRAIN_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=['mmremix.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMPRETRAIN_PARAM_SCHEDULERS, locations=['mmremix.engine'])

DATASETS = Registry('dataset', parent=MMPRETRAIN_DATASETS, locations=['mmremix.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMPRETRAIN_DATA_SAMPLERS, locations=['mmremix.datasets'])
TRANSFORMS = Registry('transform', parent=MMPRETRAIN_TRANSFORMS, locations=['mmremix.datasets'])

MODELS = Registry('model', parent=MMPRETRAIN_MODELS, locations=['mmremix.models'])
# MMEngine's Runner looks model wrappers up in its root registry, which reaches only its direct
# children by scope ('mmremix.ReIDDistributedDataParallel'); mmpretrain adds no wrapper, so this one
# hangs from the root.
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, locations=['mmremix.engine'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMPRETRAIN_WEIGHT_INITIALIZERS, locations=['mmremix.models'])
BATCH_AUGMENTS = Registry(
    'batch augment', parent=MMPRETRAIN_BATCH_AUGMENTS, locations=['mmremix.models'])
TASK_UTILS = Registry('task util', parent=MMPRETRAIN_TASK_UTILS, locations=['mmremix.models'])

METRICS = Registry('metric', parent=MMPRETRAIN_METRICS, locations=['mmremix.evaluation'])
EVALUATORS = Registry('evaluator', parent=MMPRETRAIN_EVALUATORS, locations=['mmremix.evaluation'])

VISUALIZERS = Registry(
    'visualizer', parent=MMPRETRAIN_VISUALIZERS, locations=['mmremix.visualization'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMPRETRAIN_VISBACKENDS, locations=['mmremix.visualization'])

# Person detectors of the tracklet extraction (mmremix.tracklets); neither mmpretrain nor MMEngine
# has this kind, so it has no parent.
PERSON_DETECTORS = Registry('person detector', locations=['mmremix.tracklets'])
