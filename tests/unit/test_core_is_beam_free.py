"""transforms.core is the Beam-free wing: importing any of it (or the records it uses) never loads apache_beam."""
import json
import pkgutil
import subprocess
import sys

import transforms.core
from tests.conftest import ROOT

# Imports each module in turn, in a fresh interpreter (this one has Beam loaded already), and
# names the first one after which apache_beam is in sys.modules.
_PROBE = '''
import importlib, json, sys
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
    if 'apache_beam' in sys.modules:
        print(name)
        break
'''


def _core_modules():
    return sorted(f'transforms.core.{module.name}' for module in pkgutil.iter_modules(transforms.core.__path__))


def test_core_modules_are_found():
    modules = _core_modules()
    assert {'transforms.core.entities', 'transforms.core.events', 'transforms.core.model',
            'transforms.core.datelines', 'transforms.core.warehouse'} <= set(modules)


def test_importing_core_does_not_load_beam():
    modules = ['schemas.fields', 'schemas.records', 'transforms.core'] + _core_modules()
    probe = subprocess.run([sys.executable, '-c', _PROBE, json.dumps(modules)], cwd=ROOT,
                           capture_output=True, text=True, check=True, timeout=300)
    assert probe.stdout.strip() == '', f'importing {probe.stdout.strip()} loads apache_beam'
