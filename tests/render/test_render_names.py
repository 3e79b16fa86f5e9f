"""File names from customer ids: inside the folder, readable, never shared by two ids."""

from __future__ import annotations

import re

import pytest

from healthscore.render import names
from healthscore.render.names import safe_stem, safe_stems, slugify

SAFE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*-[0-9a-f]{8,64}$")
NASTY = ["../../etc/x", "..", ".", "/", "a/b", "a\\b", "acme corp", " ", "", "CON", "nul",
         "Ünïcødé GmbH", "名前", "x" * 500, "a\x00b", "semi;colon|pipe", "~root", "-rf"]


@pytest.mark.parametrize("customer_id", NASTY)
def test_stem_is_a_plain_name(customer_id, tmp_path):
    stem = safe_stem(customer_id)
    assert SAFE.match(stem), stem
    assert len(stem) <= names.SLUG_MAX + 1 + names.HASH_LEN
    target = (tmp_path / f"{stem}.html").resolve()
    assert target.parent == tmp_path.resolve()


def test_readable_slug():
    assert safe_stem("Acme Corp/EMEA").startswith("acme-corp-emea-")
    assert slugify("Ünïcodé GmbH") == "unicode-gmbh"
    assert slugify("../../etc/x") == "etc-x"
    assert slugify("名前") == "customer"


def test_ids_that_slug_alike_get_different_files():
    ids = ["Acme", "acme", "ACME", "acme!", "acme?", "a/cme", "a cme", "a-cme", "../acme"]
    stems = safe_stems(ids)
    assert len(set(stems.values())) == len(ids)


def test_stable_across_runs():
    assert safe_stem("C1001") == safe_stem("C1001")
    assert safe_stems([1001])["1001"] == safe_stem("1001")


def test_short_hash_collision_is_resolved_with_a_longer_hash(monkeypatch):
    real = names._digest

    def clashing(customer_id: str) -> str:  # same first 8 hex digits for every id
        return "deadbeef" + real(customer_id)[8:]

    monkeypatch.setattr(names, "_digest", clashing)
    stems = safe_stems(["x", "X"])
    assert stems["x"] != stems["X"]
    assert all(len(s.rsplit("-", 1)[1]) == 16 for s in stems.values())
