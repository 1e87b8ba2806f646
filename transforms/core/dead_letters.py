"""What a dead letter keeps of a bad input, and the key that recognises the same failure again."""
import hashlib

from schemas.records import DeadLetter

EXCERPT_CHARS = 1000


def excerpt(raw) -> str:
    """The first EXCERPT_CHARS characters of a bad input, as text."""
    if raw is None:
        return ''
    if isinstance(raw, bytes):
        raw = raw[:EXCERPT_CHARS * 4].decode('utf-8', errors='replace')
    return str(raw)[:EXCERPT_CHARS]


def dead_letter_key(dead: DeadLetter) -> str:
    """Ledger key of a dead letter: the same bad input, failing the same way, has it on every run."""
    parts = (dead.source_uri, dead.stage, dead.error, dead.raw_excerpt)
    return hashlib.sha256('\x00'.join(parts).encode('utf-8')).hexdigest()[:32]
