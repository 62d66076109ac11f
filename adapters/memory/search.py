"""Full-text search (`Op.SEARCH`) in memory, with the semantics of the PostgreSQL adapter's
`to_tsvector('simple', words of the text) @@ to_tsquery('simple', 'w1':* & 'w2':* …)`.

A word is a run of Unicode letters and digits (`[^\\W_]+`: the underscore separates words, as
in PostgreSQL's parser); text and query are lower-cased with `str.lower()`. Every word of the
query must be a prefix of some word of the searched texts (all fields together: one query
word may match the title and another the description). A query without words (empty, or
only punctuation and tsquery operators such as `& | ! ( ) : * '`) matches every record.

The PostgreSQL adapter replaces every run of non-`[[:alnum:]]` characters by a space before
`to_tsvector`, so compound tokens (e-mail addresses, hosts, paths, decimal numbers) split into
words there as here. Known divergences, none of which the contract suite relies on:
- Word characters: Python counts every `str.isalnum()` character, PostgreSQL its locale's
  `[[:alnum:]]`; they differ on a few symbols (superscripts `²`, fractions `½`: word
  characters here, separators there) and on combining marks in decomposed text.
- Case folding: PostgreSQL lower-cases per the database's `LC_CTYPE`; Python applies the
  Unicode default mapping. They differ on special cases (`İ` → `i̇` here, `i` there) and, on a
  `C` (not `C.UTF-8`) locale, on every non-ASCII letter. Neither folds accents (`é` ≠ `e`).
- PostgreSQL ignores words longer than 2047 bytes; here every word counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The lower-cased words of `text`."""
    return _WORD.findall(text.lower())


def search_matches(query: str, texts: Iterable[str | None]) -> bool:
    """Whether every word of `query` starts a word of one of `texts` (None: no text)."""
    wanted = words(query)
    if not wanted:
        return True
    found = [word for text in texts if text is not None for word in words(text)]
    return all(any(word.startswith(prefix) for word in found) for prefix in wanted)
