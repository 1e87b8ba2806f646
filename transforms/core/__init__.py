"""newsbeam's news logic, free of Apache Beam: the ``transforms/*.py`` modules are thin Beam
composites over these functions, which tests (and other engines) can call directly."""
