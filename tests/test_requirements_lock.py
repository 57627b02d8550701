"""requirements.lock, which production installs with --require-hashes, keeps up with pyproject.toml.

A dependency added to pyproject.toml but not to the lock would be missing on the server, and a
range changed without a new lock would install a version outside it: `make lock` fixes both.
"""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def locked():
    """{name: (version, the pin's lines)} for each package in requirements.lock."""
    pins = {}
    for block in re.split(r"\n(?=\S)", (ROOT / "requirements.lock").read_text()):
        if match := PIN.match(block):
            pins[canonicalize_name(match[1])] = (match[2], block)
    return pins


def test_the_lock_pins_every_dependency_within_its_range():
    pins = locked()
    for line in project()["dependencies"]:
        requirement = Requirement(line)
        assert canonicalize_name(requirement.name) in pins, f"{line} saknas i requirements.lock"
        version, _ = pins[canonicalize_name(requirement.name)]
        assert requirement.specifier.contains(version, prereleases=True), (line, version)


def test_the_lock_holds_the_extras_a_dependency_asks_for():
    # psycopg[binary] is psycopg with psycopg-binary, its compiled part.
    assert {"psycopg", "psycopg-binary"} <= locked().keys()


def test_the_lock_holds_no_tool_for_development_or_tests():
    pins = locked()
    extras = project()["optional-dependencies"]
    for line in extras["dev"] + extras["test"]:
        assert canonicalize_name(Requirement(line).name) not in pins, line


def test_every_pin_in_the_lock_has_a_hash():
    for name, (_, block) in locked().items():
        assert "--hash=sha256:" in block, name
