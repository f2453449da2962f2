"""Installation of sknas: neural architecture search as scikit-learn estimators."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(r'__version__ = "([^"]+)"', (HERE / "sknas" / "_version.py").read_text()).group(1)

setup(
    name="sknas",
    version=VERSION,
    description="Neural architecture search as scikit-learn estimators",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    packages=find_packages(include=["sknas", "sknas.*"]),
    # the NAS-Bench-201 / NAS-Bench-Suite-Zero / HW-NAS-Bench tables and their provenance
    package_data={"sknas.bench": ["data/*.csv.gz", "data/*.md"]},
    python_requires=">=3.10",
    install_requires=[
        "numpy>=1.24",
        "scikit-learn>=1.6",
        "torch>=2.4",  # fused AdamW / Adam on CPU (the training loop and PO-NAS's surrogate)
        "botorch>=0.11",
        "gpytorch>=1.11",
        "pymoo>=0.6.1",
        "joblib>=1.3",
        "tqdm>=4.60",
        "gplearn>=0.4.2",
    ],
    extras_require={
        "dev": [
            "pytest>=7", "pytest-xdist>=3", "pandas>=2",
            # the tests of Dask evaluation and ONNX export
            "dask[distributed]>=2023.1", "onnx>=1.15", "onnxscript>=0.1", "onnxruntime>=1.16",
        ],
        "onnx": ["onnx>=1.15", "onnxscript>=0.1"],
        "docs": ["sphinx>=7", "numpydoc>=1.6", "sphinx-gallery>=0.15", "matplotlib>=3.7", "furo>=2024.1"],
        "examples": ["mlxtend>=0.23", "matplotlib>=3.7"],
    },
    classifiers=[
        "License :: OSI Approved :: BSD License",
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
        "Intended Audience :: Science/Research",
    ],
)
