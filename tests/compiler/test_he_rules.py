"""F008: the HE settings of project.yml, checked by ``validate`` and refused by ``provision``.

Clara 4.0's ``he: {lib, config}`` and NVFlare's ``HEBuilder`` arguments are read by one
model (:mod:`mmarc.policy.he`); each bad setting is reported at its line and column in
either form, ``provision`` refuses exactly that diagnostic, and the real HE project files
of the corpus pass clean.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

from mmarc import api
from mmarc.diagnostics import Severity
from mmarc.policy.he import MAX_MODULUS_BITS, CKKSParams, HEError, he_params

FIXTURES = REPO / "tests" / "fixtures" / "corpus" / "provision"
CLARA = FIXTURES / "clara40_project1.yml"
FLARE = FIXTURES / "nvflare20_project.yml"
CORPUS = REPO.parent / "shared" / "corpus"
#: Every project file of the corpus with an ``he`` section or an ``HEBuilder``.
CORPUS_HE = (
    "clara/provision/clara40_project1.yml",
    "clara/provision/nvflare20_project.yml",
    "realworld/clara-train-examples/HEAD-4.1/PyTorch/NoteBooks/FL/project1.yml",
    "realworld/monai-tutorials/nvflare1-9defeaac/federated_learning/nvflare/"
    "nvflare_example_docker/expr_files/project.yml",
)

#: (base, old text, new text, the text the diagnostic must start at, code, message part).
BAD = [
    (CLARA, "poly_modulus_degree: 8192", "poly_modulus_degree: 1000", "1000", "F008", "not one"),
    (FLARE, "poly_modulus_degree: 8192", "poly_modulus_degree: 6000", "6000", "F008", "not one"),
    (CLARA, "[60, 40, 40]", "[60, 60, 60, 60]", "[60, 60", "F008", "at most 218"),
    (FLARE, "[60, 40, 40]", "[60, 60, 60, 60]", "[60, 60", "F008", "at most 218"),
    (CLARA, "[60, 40, 40]", "[60, 10]", "[60, 10]", "F008", "[17, 60]"),
    (CLARA, "scale_bits: 40", "scale_bits: 60", "60", "F008", "scale_bits 60"),
    (FLARE, "scale_bits: 40", "scale_bits: 12", "12", "F008", "scale_bits 12"),
    (CLARA, "scheme: CKKS", "scheme: BFV", "BFV", "F008", "use CKKS"),
    (FLARE, "scheme: CKKS", "scheme: BFV", "BFV", "F008", "use CKKS"),
    (CLARA, "lib: tenseal", "lib: seal", "seal", "F008", "use tenseal"),
    (FLARE, "scale_bits: 40", "scalebits: 40", "scalebits", "F008", "unknown he setting"),
    # Clara's he.config has a schema: an unknown key is its S001, with a did-you-mean
    (CLARA, "scale_bits: 40", "scalebits: 40", "scalebits", "S001", "unknown key"),
]


def _mutated(tmp_path: Path, base: Path, old: str, new: str) -> tuple[Path, str]:
    text = base.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    text = text.replace(old, new)
    path = tmp_path / "project.yml"
    path.write_text(text, encoding="utf-8")
    return path, text


def _line_col(text: str, new: str, at: str) -> tuple[int, int]:
    offset = text.index(new) + new.index(at)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


@pytest.mark.parametrize(("base", "old", "new", "at", "code", "says"), BAD)
def test_each_bad_he_setting_is_located_in_either_form(
    tmp_path: Path, base: Path, old: str, new: str, at: str, code: str, says: str
) -> None:
    path, text = _mutated(tmp_path, base, old, new)
    errors = [d for d in api.validate(path).diagnostics if d.severity is Severity.ERROR]
    assert [(d.code, (d.line, d.column)) for d in errors] == [(code, _line_col(text, new, at))]
    assert says in errors[0].message and errors[0].hint


def test_lint_shows_the_same_and_provision_refuses_it(tmp_path: Path) -> None:
    path, _ = _mutated(tmp_path, FLARE, "scale_bits: 40", "scale_bits: 99")
    found = [d for d in api.validate(path).diagnostics if d.code == "F008"]
    assert [d.pointer for d in found] == ["/builders/5/args/scale_bits"]
    assert [d for d in api.lint(path).diagnostics if d.code == "F008"] == found
    inputs = api.provision_inputs(path)
    assert not inputs.ok and inputs.spec is None
    ((_, validation),) = inputs.validations
    assert [d for d in validation.diagnostics if d.code == "F008"] == found


def test_the_corpus_he_projects_pass_clean() -> None:
    for name in CORPUS_HE:
        path = CORPUS / name
        assert he_params(api.validate(path).target.files[0].source.to_plain()) == CKKSParams()
        assert not api.validate(path).diagnostics.has_errors(), name


def test_the_model_locates_and_the_runtime_reports_where() -> None:
    from mmarc.runtime.provision.he import he_params as runtime_he_params
    from mmarc.runtime.provision.project import ProvisionError
    from mmarc.runtime.security.ckks import CKKSParams as RuntimeParams

    assert RuntimeParams is CKKSParams  # one model, re-exported by the runtime
    flare = {"builders": [{"path": "x.HEBuilder", "args": {"scale_bits": 70}}]}
    with pytest.raises(HEError) as refused:
        he_params(flare)
    assert refused.value.parts == ("builders", 0, "args", "scale_bits")
    with pytest.raises(ProvisionError, match=r"^builders/0/args/scale_bits: scale_bits 70"):
        runtime_he_params(flare)
    clara = {"he": {"lib": "tenseal", "config": {"coeff_mod_bit_sizes": [30, 30]}}}
    with pytest.raises(HEError) as refused:  # scale_bits (default 40) is not written
        he_params(clara)
    assert refused.value.key == "scale_bits" and refused.value.parts == ("he", "config")
    largest = max(MAX_MODULUS_BITS)
    assert CKKSParams(largest, (60,) * 14, 59).poly_modulus_degree == largest


def test_validate_reads_he_settings_without_tenseal_or_the_runtime() -> None:
    code = (
        "import sys; from mmarc import api; "
        f"api.validate({str(CLARA)!r}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tenseal', 'torch') "
        "or m.startswith('mmarc.runtime')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
