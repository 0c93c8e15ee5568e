"""The ``mmarc`` commands, one module per area; :mod:`mmarc.cli.app` registers them."""
