"""Installation script of mmremix."""
import os.path as osp

from setuptools import find_packages, setup


def parse_requirements(fname):
    """Read one requirement per line, skipping blanks and comments."""
    path = osp.join(osp.dirname(__file__), 'requirements', fname)
    with open(path) as f:
        lines = [line.split('#')[0].strip() for line in f]
    return [line for line in lines if line]


def get_version():
    namespace = {}
    with open(osp.join(osp.dirname(__file__), 'mmremix', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='mmremix',
    version=get_version(),
    description='OpenMMLab toolkit for generalizable person re-identification '
    '(ReMix: joint training on multi-camera and single-camera data)',
    long_description=open('README.md', encoding='utf-8').read()
    if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(exclude=('configs', 'tools', 'demo', 'tests')),
    include_package_data=True,
    python_requires='>=3.9',
    install_requires=parse_requirements('runtime.txt') +
    parse_requirements('mminstall.txt'),
    # faiss-cpu and faiss-gpu-cu12 both install the `faiss` module (the last one installed wins,
    # half-overwritten): the runtime needs one, so each comes with an extra and never both.
    # 'tests' brings faiss-cpu, so that `pip install -e ".[tests]"` works on any machine (CI);
    # GPU machines: `pip install -e ".[gpu]" -r requirements/tests.txt`.
    extras_require={
        'cpu': parse_requirements('cpu.txt'),
        'gpu': parse_requirements('gpu.txt'),
        'tests': parse_requirements('tests.txt') + parse_requirements('cpu.txt'),
        'optional': parse_requirements('optional.txt'),
    },
    zip_safe=False,
)
