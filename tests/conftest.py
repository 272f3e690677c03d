"""Shared fixtures: the mmremix scope and the location of ../shared."""
from pathlib import Path

import logging

import pytest
from mmengine.logging import MMLogger

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_ROOT = REPO_ROOT.parent / 'shared'


@pytest.fixture(scope='session', autouse=True)
def mmremix_scope():
    """Register every module and make ``mmremix`` the default scope, as the tools do."""
    from mmremix.utils import register_all_modules
    register_all_modules()


@pytest.fixture(scope='session')
def shared_root() -> Path:
    """``../shared`` beside the repository; tests using it skip with a reason when it is absent."""
    if not (SHARED_ROOT / 'data').is_dir():
        pytest.skip(f'real data not found at {SHARED_ROOT / "data"} (the ../shared folder beside '
                    'the repository); these checks run only where it exists')
    return SHARED_ROOT


@pytest.fixture
def log_records():
    """The WARNING (and higher) records of the current MMLogger during the test."""
    logger = MMLogger.get_current_instance()
    records = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = records.append
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)
