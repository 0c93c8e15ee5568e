"""The pieces of ``mmarc migrate`` (:mod:`mmarc.compiler.migrate`, the driver).

- :mod:`.text_editor`: edits rendered as the original text with minimal changes;
- :mod:`.context`: one file's migration (its tree, its editor, what changed, what could not);
- :mod:`.clara41`: the Clara 4.0 -> 4.1 rules (implicit wiring, metrics, name lists,
  output transforms);
- :mod:`.monai_renames`: the rules from :mod:`mmarc.catalog.renames` (renamed classes and
  arguments, AsDiscrete's arguments, changed defaults).
"""

__all__: list[str] = []
