"""The ``newsbeam`` command: parses the command line, runs the command, turns failures into one line.

Importing this module imports neither Beam nor spaCy, so that ``--help``, ``--version`` and a
mistyped option answer at once; a command imports what it needs when it starts.  Exit statuses:
0 done; 1 the run failed (a defect: rerun with --verbose for the traceback) or did not balance;
2 usage, or a tool the run needs (java, mvn, go) is missing; 3 the warehouse cannot be written there; 4 disk full; 5 damaged warehouse; 6 another
run holds the warehouse; 130 interrupted.
"""
import argparse
import contextlib
import difflib
import io
import logging
import os
import sys
import traceback
from importlib import metadata
from typing import List, Optional, Sequence

from pipeline.arguments import add_run_arguments
from pipeline.commands import add_commands, run_command
from transforms.core.errors import INTERRUPTED_STATUS, UsageError

DISTRIBUTION = 'newsbeam'
_LOG = logging.getLogger('newsbeam')


def version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return '0+unknown'


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are UsageErrors (one line, exit 2) instead of usage text and exit."""

    def error(self, message):
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog='newsbeam', description='Raw news articles in, typed warehouse tables out.')
    parser.add_argument('--version', action='version', version=f'%(prog)s {version()}')
    commands = parser.add_subparsers(dest='command', metavar='COMMAND', parser_class=_Parser)
    run = commands.add_parser(
        'run', help='ingest articles into the warehouse',
        description='Ingest news articles into the warehouse. Standard Apache Beam options (--runner, '
                    '--direct_num_workers, --direct_running_mode, --temp_location, ...) pass through to Beam; '
                    'the default runner is FnApiRunner (local, offline).')
    add_run_arguments(run)
    add_commands(commands)
    for command in commands.choices.values():
        command.add_argument('--verbose', '-v', action='store_true',
                             help="Beam's own log, and a traceback when the command fails.")
    return parser


def unknown_beam_arguments(argv: Sequence[str]) -> List[str]:
    """The arguments that neither newsbeam nor any Beam PipelineOptions class defines.

    Raises:
      UsageError: an option Beam knows has a value it refuses.
    """
    from apache_beam.options.pipeline_options import PipelineOptions  # pylint: disable=import-outside-toplevel
    import pipeline.options  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import  (NewsPipelineOptions)
    parsers = []
    PipelineOptions([]).get_all_options(add_extra_args_fn=parsers.append)
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            _, unknown = parsers[0].parse_known_args(list(argv))
    except SystemExit as stop:
        lines = errors.getvalue().strip().splitlines() or ['invalid arguments']
        raise UsageError(lines[-1].split('error: ', 1)[-1]) from stop
    return unknown


def refuse_unknown(unknown: Sequence[str], known_options: Sequence[str]) -> None:
    """Raises a UsageError naming the first unknown argument, with the likely fix."""
    if not unknown:
        return
    first = unknown[0]
    if not first.startswith('-') and not known_options:
        raise UsageError(f'unexpected argument {first!r}')
    if not first.startswith('-'):
        raise UsageError(f'unexpected argument {first!r}: one path per --input; quote a glob '
                         "(--input 'inbox/*.jsonl') so that the shell does not expand it, or repeat --input")
    name = first.split('=', 1)[0]
    close = difflib.get_close_matches(name, known_options, n=1)
    hint = f' (did you mean {close[0]}?)' if close else ''
    raise UsageError(f'unknown option {name}{hint}')


def _option_strings() -> List[str]:
    """Every option string of ``newsbeam run``'s own options (for 'did you mean')."""
    parser = _Parser()
    add_run_arguments(parser)
    return [flag for action in parser._actions for flag in action.option_strings]  # pylint: disable=protected-access


def configure_logging(verbose: bool) -> None:
    """newsbeam's own warnings always; Beam's log only with --verbose (a cron log gets the summary only)."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    # newsbeam's own notes (a killed run completed or discarded, say) read like its errors: one plain line.
    own = logging.StreamHandler()
    own.setFormatter(logging.Formatter('newsbeam: %(message)s'))
    _LOG.addHandler(own)
    _LOG.propagate = False
    if not verbose:
        # A failure is reported once, as one line (main); Beam would also log it with its traceback.
        logging.getLogger('apache_beam').setLevel(logging.CRITICAL)
        logging.getLogger('pyiceberg').setLevel(logging.WARNING)
        # Files a failed bundle left open are closed when collected, and say so on stderr again.
        sys.unraisablehook = lambda unraisable: None
        # Local worker processes (--direct_running_mode=multi_processing) share this stderr, and the Google
        # client libraries that Beam imports warn there about grpcio's version at import.
        os.environ.setdefault('PYTHONWARNINGS', 'ignore::FutureWarning')


def _run_command(argv: List[str]) -> int:
    refuse_unknown(unknown_beam_arguments(argv), _option_strings())
    from pipeline.main import format_summary, run  # pylint: disable=import-outside-toplevel
    summary = run(argv, show_progress=True)
    if summary.get('submitted'):
        print(f"newsbeam: streaming job {summary['run_id']} submitted; it runs until drained or cancelled")
        return 0
    print(format_summary(summary))
    return 0 if summary['balanced'] else 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs ``newsbeam`` with these arguments; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = '--verbose' in argv or '-v' in argv
    output = None
    try:
        parser = build_parser()
        args, unknown = parser.parse_known_args(argv)
        if args.command is None:
            parser.print_usage(sys.stderr)
            return 2
        output = getattr(args, 'output', None)
        configure_logging(verbose)
        if args.command != 'run':
            refuse_unknown(unknown, [])
            return run_command(args)
        return _run_command([a for a in argv[1:] if a not in ('--verbose', '-v')])
    except KeyboardInterrupt:
        print('newsbeam: interrupted: nothing of this run was committed; the next run reads its input again',
              file=sys.stderr)
        return INTERRUPTED_STATUS
    except Exception as error:  # pylint: disable=broad-except
        from pipeline.failures import explain  # pylint: disable=import-outside-toplevel
        if verbose:
            traceback.print_exception(error, file=sys.stderr)
        known = explain(error, output)
        if known is None:
            print(f'newsbeam: error: the run failed: {type(error).__name__}: {_first_line(error)}'
                  + ('' if verbose else ' (rerun with --verbose for the traceback)'), file=sys.stderr)
            return 1
        print(f'newsbeam: error: {known}', file=sys.stderr)
        return known.exit_status


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ''


if __name__ == '__main__':
    sys.exit(main())
