"""The benchmark's input: the Tehran Times dev corpus repeated to N articles, as JSONL.

Each copy keeps the text unchanged and gets its own source id (``c001-<file name>``).
Every copy is then a distinct article (its article_id hashes source id and text), so the
pipeline runs every stage on every copy: near-duplicate detection only sets
``duplicate_of``, it skips nothing, and the reference processes exactly the same texts.
Editing each copy would not help: a small edit leaves the copies near-duplicates, and an
edit large enough to matter (at the start or end of a text) changes the datelines and
sign-offs, i.e. the work measured.  Repetition does inflate one cost, the LSH bucket
comparison, which is quadratic in copies per bucket (N / corpus size); the profile
(``scripts.bench.profile``) shows how much.
"""
import json
import pathlib
from typing import List, Sequence

CORPUS = pathlib.Path('corpora') / 'tehran_times' / 'articles'
# Several files, so that two workers can split the input between them.
ARTICLES_PER_FILE = 100
DESCRIPTION = ('the 1,000 Tehran Times dev articles repeated to N, one source id per copy and unchanged text, '
               f'as JSONL, {ARTICLES_PER_FILE} articles per file.')


def corpus_files(shared: pathlib.Path) -> List[pathlib.Path]:
    """The corpus's article files under the shared folder, sorted; empty when it is absent."""
    folder = shared / CORPUS
    return sorted(folder.glob('*.txt')) if folder.is_dir() else []


def copy_id(copy: int, name: str) -> str:
    """Source id of the copy-th repetition of a corpus file (copy 0 is the file itself)."""
    return f'c{copy:03d}-{name}'


def build_articles(files: Sequence[pathlib.Path], n: int, dest: pathlib.Path,
                   per_file: int = ARTICLES_PER_FILE) -> dict:
    """Writes N articles as JSONL under dest, per_file to a file.

    Returns:
      {'files', 'articles', 'words'}: words are the whitespace-separated words of the texts.
    """
    dest.mkdir(parents=True, exist_ok=True)
    texts = [path.read_bytes().decode('utf-8', errors='replace') for path in files]
    words = [len(text.split()) for text in texts]
    total_words = 0
    for first in range(0, n, per_file):
        with open(dest / f'part-{first // per_file:05d}.jsonl', 'w', encoding='utf-8') as handle:
            for index in range(first, min(n, first + per_file)):
                copy, which = divmod(index, len(files))
                handle.write(json.dumps({'id': copy_id(copy, files[which].name), 'text': texts[which]},
                                        ensure_ascii=False) + '\n')
                total_words += words[which]
    return {'files': -(-n // per_file), 'articles': n, 'words': total_words}


def read_texts(folder: pathlib.Path) -> List[str]:
    """The texts of the JSONL articles under folder, in file and line order."""
    texts = []
    for path in sorted(folder.glob('*.jsonl')):
        with open(path, encoding='utf-8') as handle:
            texts.extend(json.loads(line)['text'] for line in handle if line.strip())
    return texts
