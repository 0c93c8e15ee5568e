"""Generated validators, one module per file kind: the schema stage's fast path.

Written by ``mmarc schema --out schemas --validators mmarc/compiler/schemas/compiled``
(:mod:`mmarc.compiler.schemas.fastpath_build`) from the draft-07 JSON Schemas; read by
:mod:`mmarc.compiler.schemas.fastpath`. Never edit them by hand: regenerate.
"""
