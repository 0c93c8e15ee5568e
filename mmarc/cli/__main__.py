"""``python -m mmarc.cli``: the same as the ``mmarc`` console script."""

from mmarc.cli import main

main()
