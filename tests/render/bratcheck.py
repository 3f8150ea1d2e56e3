"""What brat itself checks when it opens a `.txt` + `.ann` pair (its `annotation.py`), for the tests."""

from __future__ import annotations

import re

from unspun.render.brat import BratFiles


def assert_brat_reads(files: BratFiles) -> None:
    """brat's own checks of a text-bound line: one line each, covered text equal to the text of its
    fragments joined by a space, fragments inside the text, in order and apart."""
    for line in files.ann.splitlines():
        assert re.match(r"^[TEAM#]\d+\t", line), line
        if line.startswith("T"):
            _, data, covered = line.split("\t", 2)
            frags = [tuple(map(int, f.split())) for f in data.split(" ", 1)[1].split(";")]
            assert covered == " ".join(files.txt[a:b] for a, b in frags), line
            assert all(0 <= a <= b <= len(files.txt) for a, b in frags), line
            # brat takes fragments that touch for overlapping ones
            assert all(b < c for (_, b), (c, _) in zip(frags, frags[1:], strict=False)), line
