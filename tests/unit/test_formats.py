"""SPEC section 4, `vcc call --format csv|tsv|table` (``vcc_cli.formats``): the columns
taken from the first page, nested keys flattened with dots."""

from __future__ import annotations

from vcc_cli import formats


def test_nested_objects_flatten_with_dots_and_lists_stay_whole():
    assert formats.flatten({"a": {"b": 1, "c": {"d": None}}, "e": [1, {"f": 2}], "g": {}}) == {
        "a.b": 1,
        "a.c.d": None,
        "e": [1, {"f": 2}],
        "g": {},
    }


def test_a_nested_key_takes_its_place_next_to_its_parent():
    rows = [formats.flatten({"a": 1, "b": None, "c": 2}), formats.flatten({"a": 1, "b": {"x": 1, "y": 2}, "c": 2})]
    assert formats.discover(rows) == ["a", "b.x", "b.y", "c"]


def test_a_key_with_a_value_somewhere_keeps_its_column_beside_the_nested_ones():
    rows = [formats.flatten({"b": "flat"}), formats.flatten({"b": {"x": 1}})]
    assert formats.discover(rows) == ["b", "b.x"]


def test_items_that_are_not_objects_are_one_value_column():
    writer = formats.writer("csv")
    assert writer.page(["a", 1]) == "value\r\na\r\n1\r\n"


def test_cells_are_json_for_anything_but_strings_and_empty_for_null():
    assert [formats.cell(v) for v in ("x", None, True, 1.5, [1], {"a": 1})] == [
        "x",
        "",
        "true",
        "1.5",
        "[1]",
        '{"a":1}',
    ]


def test_lookup_follows_dotted_paths_and_finds_keys_that_hold_a_dot():
    item = {"a": {"b": {"c": 3}}, "x.y": 1}
    assert formats.lookup(item, "a.b.c") == 3 and formats.lookup(item, "x.y") == 1
    assert formats.cell(formats.lookup(item, "a.b")) == '{"c":3}' and formats.cell(formats.lookup(item, "a.z")) == ""
