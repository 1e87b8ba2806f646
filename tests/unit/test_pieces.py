"""Where long texts are cut for the models: piece_ends, and overlong sentences for the parse."""
from transforms.core.sentences import MAX_PARSE_CHARS, SentenceSpan, candidates, parse_spans
from transforms.core.trigger_index import default_index
from transforms.core.pieces import piece_ends


def test_piece_ends_prefers_paragraph_after_sentence_end():
    text = 'One two three. Four five six.\nSeven eight nine ten eleven. Twelve thirteen fourteen'
    # 'six.' ends a sentence and a paragraph: the newline opens the next piece.
    assert piece_ends(text, 40) == [29, 59, len(text)]
    assert text[:29].endswith('six.') and text[29:59] == '\nSeven eight nine ten eleven. '


def test_piece_ends_falls_back_to_sentence_space_and_hard_cut():
    # No paragraph break: after 'four.' and its one space (spaCy keeps it on the full stop).
    assert piece_ends('one two three four. five six seven eight', 24) == [20, 40]
    # No sentence end: before the run of whitespace, which is a token of its own.
    assert piece_ends('alpha beta gamma  delta epsilon', 20) == [17, 31]
    # One unbroken string: at the limit.
    assert piece_ends('x' * 25, 10) == [10, 20, 25]
    assert piece_ends('short', 10) == [5]
    assert piece_ends('', 10) == [0]


def test_overlong_sentence_is_parsed_in_pieces():
    # A table of results without punctuation: one "sentence" of 4,400 characters.
    row = 'Tehran protesters marched past the embassy while police arrested twelve people '
    body = 'Results ' + row * 55
    whole = SentenceSpan(0, 0, len(body.rstrip()))
    spans = parse_spans(body, whole)
    # 8 + 25 rows of 79 characters reach 1,983, where 'Tehran ' leaves room for one space only:
    # the first piece ends after it (1,990), stripped to 1,989; the second ends 1,999 later.
    assert [(span.index, span.start, span.end) for span in spans] == [(0, 0, 1989), (0, 1990, 3988), (0, 3989, 4352)]
    assert all(span.end - span.start <= MAX_PARSE_CHARS for span in spans)
    assert all(not body[span.start].isspace() and not body[span.end - 1].isspace() for span in spans)
    found = candidates(body, [0], default_index())
    assert [candidate.span for candidate in found] == spans
    short = SentenceSpan(3, 10, 60)
    assert parse_spans(body, short) == [short]
