"""The measured subprocess: ``python -m scripts.bench.child SPEC_JSON`` runs one measurement.

Its result (a JSON object) goes to the file named by the spec's 'result'; the bench adds
what it measured from outside (memory, CPU time).
"""
import json
import pathlib
import sys

from scripts.bench import measure, profile

_RUNS = {'pipeline': measure.child_pipeline, 'reference': measure.child_reference, 'profile': profile.child_profile}


def main(spec: dict) -> int:
    result = _RUNS[spec['kind']](spec)
    pathlib.Path(spec['result']).write_text(json.dumps(result, default=str), encoding='utf-8')
    return 0


if __name__ == '__main__':
    sys.exit(main(json.loads(sys.argv[1])))
