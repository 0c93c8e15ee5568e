"""The pieces of the component stage (:mod:`mmarc.compiler.check_components`).

- :mod:`.implicit`: the constructor arguments Clara supplied itself (also read by
  ``mmarc migrate`` and the executor);
- :mod:`.annotations`: whether a literal config value fits a catalogued annotation (C004);
- :mod:`.reporter`: one file's diagnostics and where they point;
- :mod:`.resolution`: which class a component names (C001, C006-C008);
- :mod:`.arguments`: unknown, missing, renamed and mistyped arguments (C002-C005).
"""

__all__: list[str] = []
