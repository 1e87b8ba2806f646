"""From RawArticle to Article: ids, hashes, publication times, control characters."""
import hashlib

import pytest

from schemas.records import RawArticle
from transforms.core.parse import article_id_of, normalize_published, to_article


@pytest.mark.parametrize('value,expected', [
    (None, None),
    ('2019-09-13', '2019-09-13T00:00:00+00:00'),
    ('2019-09-13T08:30:00', '2019-09-13T08:30:00+00:00'),
    ('2019-09-13T08:30:00Z', '2019-09-13T08:30:00+00:00'),
    ('2019-09-13T12:00:00+03:30', '2019-09-13T08:30:00+00:00'),
    ('1987-02-26T18:30:00-05:00', '1987-02-26T23:30:00+00:00'),
    ('2019-09-13 08:30:00.250000', '2019-09-13T08:30:00.250000+00:00'),
    ('Fri, 13 Sep 2019 08:30:00 GMT', '2019-09-13T08:30:00+00:00'),
])
def test_normalize_published(value, expected):
    assert normalize_published(value) == expected


@pytest.mark.parametrize('value', ['the fifth of never', '08:30', 'yesterday', '2019-13-45'])
def test_normalize_published_rejects_what_is_not_a_date(value):
    with pytest.raises(ValueError):
        normalize_published(value)


def test_article_id_is_stable_and_depends_on_source_and_text():
    first = article_id_of('a.txt', 'Same text.')
    assert first == article_id_of('a.txt', 'Same text.')
    assert first == hashlib.sha256(b'a.txt\x00Same text.').hexdigest()[:32]
    assert first != article_id_of('b.txt', 'Same text.')
    assert first != article_id_of('a.txt', 'Other text.')


def test_to_article_keeps_text_and_cleans_body():
    raw = RawArticle('/in/a.txt', 'a.txt', '  Scraped\x00 page\x07 text.\n', 'T', '2019-09-13T10:00:00+02:00',
                     'https://x', 'Wire', True)
    article = to_article(raw)
    assert article.text == raw.text
    assert article.body == 'Scraped  page  text.'
    assert article.published_at == '2019-09-13T08:00:00+00:00'
    assert article.content_sha256 == hashlib.sha256(raw.text.encode()).hexdigest()
    assert article.article_id == article_id_of('a.txt', raw.text)
    assert (article.title, article.url, article.source_name, article.decode_replaced) == ('T', 'https://x', 'Wire',
                                                                                          True)
    assert (article.agencies, article.dateline_raw) == ((), None)
