"""What went wrong, in a user's terms: a failed run's exception -> the NewsbeamError to report, if known.

Beam re-raises a worker's exception in the launching process as a RuntimeError whose message
carries the worker's traceback, so the cause is looked for in the exception chain first, then in
that text.
"""
import errno
import re
from typing import Iterator, Optional

from transforms.core import errors

_ERRNO = re.compile(r"\[Errno (\d+)\] ([^:'\n]+?)(?:: '([^'\n]+)')?(?:\n|$|')")
_NAMED = re.compile(r'\b(' + '|'.join(name for name in dir(errors) if name.endswith('Error')) + r'): ([^\n]+)')


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def from_errno(number: int, reason: str, filename: Optional[str], output: Optional[str]) -> Optional[errors.NewsbeamError]:
    """The error of a failed file operation on the warehouse side, or None when it is not one a user fixes."""
    where = filename or output or 'the warehouse'
    if number in (errno.ENOSPC, errno.EDQUOT):
        return errors.DiskFullError(f'no space left on the device of {where}: free some and run again '
                                    '(nothing of this run was committed)')
    if number in (errno.EACCES, errno.EPERM, errno.EROFS):
        return errors.OutputError(f'cannot write {where}: {reason}')
    if number in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        return errors.OutputError(f'cannot write the warehouse at {output or where}: {reason} ({where})')
    return None


def explain(error: BaseException, output: Optional[str] = None) -> Optional[errors.NewsbeamError]:
    """The NewsbeamError behind ``error``, or None when it is a defect (to report with its traceback).

    Args:
      error: what stopped the command.
      output: the warehouse it was writing, to say where when the error does not.
    """
    for cause in _chain(error):
        if isinstance(cause, errors.NewsbeamError):
            return cause
        if isinstance(cause, OSError) and cause.errno:
            return from_errno(cause.errno, cause.strerror or str(cause), cause.filename, output)
    text = '\n'.join(str(cause) for cause in _chain(error))
    named = _NAMED.search(text)
    if named:
        return getattr(errors, named.group(1))(named.group(2).strip())
    number = _ERRNO.search(text)
    if number:
        return from_errno(int(number.group(1)), number.group(2).strip(), number.group(3), output)
    return None
