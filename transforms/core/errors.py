"""The errors a user can cause or fix, each with the exit status ``newsbeam`` ends with.

Anything else that stops a run is a defect of newsbeam (or of a library) and ends it with status 1;
one bad input never does: it becomes a dead letter.
"""


class NewsbeamError(Exception):
    """An error the user can act on; its message is the one line ``newsbeam`` prints."""
    exit_status = 1


class UsageError(NewsbeamError, ValueError):
    """Options or inputs that cannot make a run: nothing was started."""
    exit_status = 2


class OutputError(NewsbeamError):
    """The warehouse cannot be written where --output points (a file, no permission, read-only)."""
    exit_status = 3


class DiskFullError(OutputError):
    """The warehouse's file system is full."""
    exit_status = 4


class WarehouseDamagedError(NewsbeamError):
    """The warehouse's catalog or files are damaged; the message names the file and what to do."""
    exit_status = 5


class WarehouseBusyError(NewsbeamError):
    """Another run is writing to the same warehouse."""
    exit_status = 6


INTERRUPTED_STATUS = 130   # 128 + SIGINT, as shells report it
