"""SPEC "Python API": the reference of the public names in README.md is generated from
their docstrings (``tests/support/api_reference.py``), so it cannot drift from the code."""

from __future__ import annotations

from tests.support import api_reference


def test_the_readme_python_reference_is_the_one_the_docstrings_give():
    assert api_reference.current() == api_reference.render(), (
        "README.md's Python API reference is stale: run python -m tests.support.api_reference --write"
    )


def test_every_public_name_of_the_package_is_in_the_reference():
    import vcc_cli

    reference = api_reference.render()
    for name in vcc_cli.__all__:
        if name not in ("__version__", "ExitCode"):
            assert f"`{name}" in reference, name
