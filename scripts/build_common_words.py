"""Build ``resolver/data/rules/common_words.txt``, the list of common English words.

An alias that is also a common English word ("Dawn", "The Nation", "IS", "Raw")
must match only with its case; the resolver reads this list to know which
lowercase words are common.

Sources:

* wordfreq (https://github.com/rspeer/wordfreq): the ``wordfreq.top_n_list("en",
  60000)`` candidates, kept when ``zipf_frequency(word, "en") >= 3.0`` and the
  word is alphabetic ASCII.
* Debian's ``wamerican`` word list (``/usr/share/dict/american-english``,
  install with ``apt-get install wamerican``), which keeps capitalization: a
  candidate is kept only if the dictionary lists it in lowercase, so words that
  are mainly proper names ("putin", "karachi") are dropped while "dawn",
  "nation", "burns" are kept.
* A short list of English function words in this script, always kept.

Command (from the repository root)::

    python scripts/build_common_words.py

Options: ``--dict PATH`` for another capitalized word list, ``--output PATH``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wordfreq import top_n_list, zipf_frequency

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "resolver" / "data" / "rules" / "common_words.txt"
DEFAULT_DICT = Path("/usr/share/dict/american-english")
COMMAND = "python scripts/build_common_words.py"

LANG = "en"
TOP_N = 60000
MIN_ZIPF = 3.0

# English function words: always kept, even if the dictionary lacks them in
# lowercase (it has "I" only capitalized, for instance).
FUNCTION_WORDS: frozenset[str] = frozenset(
    {
        "a",
        "about",
        "above",
        "across",
        "after",
        "against",
        "all",
        "along",
        "also",
        "although",
        "am",
        "among",
        "an",
        "and",
        "any",
        "are",
        "around",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "behind",
        "being",
        "below",
        "beneath",
        "beside",
        "besides",
        "between",
        "beyond",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "either",
        "even",
        "every",
        "few",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "however",
        "i",
        "if",
        "in",
        "inside",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "least",
        "less",
        "like",
        "many",
        "may",
        "me",
        "might",
        "mine",
        "more",
        "most",
        "much",
        "must",
        "my",
        "myself",
        "near",
        "neither",
        "no",
        "nobody",
        "none",
        "nor",
        "not",
        "nothing",
        "now",
        "of",
        "off",
        "on",
        "once",
        "one",
        "only",
        "onto",
        "or",
        "other",
        "others",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "outside",
        "over",
        "own",
        "per",
        "rather",
        "same",
        "shall",
        "she",
        "should",
        "since",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "therefore",
        "these",
        "they",
        "this",
        "those",
        "though",
        "through",
        "throughout",
        "thus",
        "till",
        "to",
        "too",
        "toward",
        "towards",
        "under",
        "underneath",
        "unless",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "via",
        "was",
        "we",
        "were",
        "what",
        "whatever",
        "when",
        "whenever",
        "where",
        "whereas",
        "wherever",
        "whether",
        "which",
        "while",
        "who",
        "whoever",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "yet",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    }
)


def load_lowercase_dictionary(path: Path) -> set[str]:
    """Return the entries of a capitalized word list that are written in lowercase."""
    words: set[str] = set()
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            word = line.strip()
            if word and word.isascii() and word.isalpha() and word.islower():
                words.add(word)
    return words


def build_common_words(dictionary: set[str]) -> list[str]:
    """Return the sorted common lowercase English words."""
    kept: set[str] = set(FUNCTION_WORDS)
    for word in top_n_list(LANG, TOP_N):
        if not (word.isascii() and word.isalpha()):
            continue
        if zipf_frequency(word, LANG) < MIN_ZIPF:
            continue
        if word in dictionary:
            kept.add(word)
    return sorted(kept)


def render(words: list[str]) -> str:
    """Return the file text: a header comment, then one word per line."""
    header = [
        "# Common lowercase English words: an alias that is a common English word",
        "# ('Dawn' the newspaper, 'IS') matches only with its case.",
        "# Generated file, do not edit by hand; rebuild it with:",
        f"#   {COMMAND}",
        f"# Method: wordfreq top_n_list('{LANG}', {TOP_N}) words with",
        f"# zipf_frequency >= {MIN_ZIPF}, alphabetic ASCII only, kept only if Debian's",
        "# wamerican dictionary lists them in lowercase (drops mainly-proper names",
        "# such as 'putin' or 'karachi'), plus a fixed list of English function words.",
        f"# {len(words)} words.",
    ]
    return "\n".join(header + words) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Build the word list and write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dict", type=Path, default=DEFAULT_DICT, help="capitalized word list")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="file to write")
    args = parser.parse_args(argv)
    if not args.dict.is_file():
        print(
            f"error: {args.dict} not found; install it with 'apt-get install wamerican' or pass --dict",
            file=sys.stderr,
        )
        return 1
    words = build_common_words(load_lowercase_dictionary(args.dict))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(words), encoding="utf-8")
    print(f"wrote {len(words)} words to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
