"""Importing the jurisdiction tree: each fault named, nothing stored from a faulty file."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.factories import feature, square, tree_features
from zhian.core.models import AuditEvent, Jurisdiction, JurisdictionCell
from zhian.core.services.jurisdictions import (
    JurisdictionImportError,
    do_import_jurisdictions,
    feature_collection,
)

pytestmark = pytest.mark.django_db


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def test_valid_tree_is_imported_with_paths_and_cells() -> None:
    summary = do_import_jurisdictions(collection(tree_features()), acting_user=None)
    assert summary.created == 15
    grid = Jurisdiction.objects.get(code="S1-2-1")
    assert grid.path == "/B/S1/S1-2/S1-2-1/"
    assert grid.depth == 3
    assert grid.cells.exists()
    bureau_cells = set(
        JurisdictionCell.objects.filter(jurisdiction__code="B").values_list("cell", flat=True)
    )
    grid_cells = set(grid.cells.values_list("cell", flat=True))
    assert grid_cells <= bureau_cells
    assert AuditEvent.objects.filter(action="jurisdiction.import").count() == 1


def test_reimport_updates_in_place() -> None:
    do_import_jurisdictions(collection(tree_features()), acting_user=None)
    feats = tree_features()
    feats[1]["properties"]["name"] = "改名派出所"
    summary = do_import_jurisdictions(collection(feats), acting_user=None)
    assert (summary.created, summary.updated) == (0, 15)
    assert Jurisdiction.objects.get(code="S1").name == "改名派出所"
    assert Jurisdiction.objects.count() == 15


def test_export_round_trips() -> None:
    do_import_jurisdictions(collection(tree_features()), acting_user=None)
    exported = feature_collection(Jurisdiction.objects.all(), with_cells=True)
    before = {j.code: (j.path, j.boundary) for j in Jurisdiction.objects.all()}
    do_import_jurisdictions(json.loads(json.dumps(exported)), acting_user=None)
    after = {j.code: (j.path, j.boundary) for j in Jurisdiction.objects.all()}
    assert before == after


def _broken(mutate: Any) -> dict[str, Any]:
    feats = copy.deepcopy(tree_features())
    mutate(feats)
    return collection(feats)


def _set_ring(feats: list[dict[str, Any]], index: int, ring: list[list[float]]) -> None:
    feats[index]["geometry"] = {"type": "Polygon", "coordinates": [ring]}


FAULTS = {
    "unclosed-ring": (
        lambda f: _set_ring(f, 2, [[120, 30], [120.01, 30], [120.01, 30.01], [120, 30.01]]),
        "S1-1",
        "未闭合",
    ),
    "self-intersection": (
        lambda f: _set_ring(
            f, 2, [[120, 30], [120.01, 30.01], [120.01, 30], [120, 30.01], [120, 30]]
        ),
        "S1-1",
        "自相交",
    ),
    "out-of-range": (
        lambda f: _set_ring(f, 3, [[120, 30], [190, 30], [190, 31], [120, 31], [120, 30]]),
        "S1-1-1",
        "超出范围",
    ),
    "unknown-parent": (
        lambda f: f[3]["properties"].update(parent="NOPE"),
        "S1-1-1",
        "上级辖区 NOPE 不存在",
    ),
    "duplicate-code": (
        lambda f: f.append(feature("S1", "station", "B", square(120.0, 30.0, 0.01))),
        "S1",
        "重复",
    ),
    "wrong-kind-under-parent": (
        lambda f: f[3]["properties"].update(parent="S1"),  # a grid directly under a station
        "S1-1-1",
        "网格不能直接隶属于派出所",
    ),
    "bureau-with-parent": (
        lambda f: f[0]["properties"].update(parent="S1"),
        "B",
        "分局不能有上级",
    ),
    "crs-member": (
        lambda f: f[2]["geometry"].update(crs={"type": "name"}),
        "S1-1",
        "crs",
    ),
}


@pytest.mark.parametrize("fault", FAULTS.keys())
def test_each_fault_is_named_and_nothing_is_stored(fault: str) -> None:
    mutate, code, words = FAULTS[fault]
    with pytest.raises(JurisdictionImportError) as exc:
        do_import_jurisdictions(_broken(mutate), acting_user=None)
    assert any(code in f and words in f for f in exc.value.faults), exc.value.faults
    assert Jurisdiction.objects.count() == 0
    assert JurisdictionCell.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_a_faulty_file_leaves_an_existing_tree_untouched() -> None:
    do_import_jurisdictions(collection(tree_features()), acting_user=None)
    before = list(Jurisdiction.objects.values_list("code", "name", "version"))
    feats = tree_features()
    feats[1]["properties"]["name"] = "不应写入"
    feats[-1]["properties"]["parent"] = "NOPE"
    with pytest.raises(JurisdictionImportError):
        do_import_jurisdictions(collection(feats), acting_user=None)
    assert list(Jurisdiction.objects.values_list("code", "name", "version")) == before


def test_command_exits_2_naming_every_fault(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "bad.geojson"
    feats = tree_features()
    feats[3]["properties"]["parent"] = "NOPE"
    feats[4]["geometry"]["coordinates"][0].pop()  # unclosed
    path.write_text(json.dumps(collection(feats)), encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("import_jurisdictions", str(path))
    assert exc.value.returncode == 2
    err = capsys.readouterr().err
    assert "NOPE" in err
    assert "未闭合" in err
    assert Jurisdiction.objects.count() == 0


def test_command_reports_broken_json_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [,]}', encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("import_jurisdictions", str(path))
    assert exc.value.returncode == 2
    assert ":2:" in str(exc.value)


def test_export_command_writes_an_importable_file(tmp_path: Path) -> None:
    do_import_jurisdictions(collection(tree_features()), acting_user=None)
    out = tmp_path / "out.geojson"
    call_command("export_jurisdictions", str(out), "--root", "S2")
    data = json.loads(out.read_text(encoding="utf-8"))
    codes = [f["properties"]["code"] for f in data["features"]]
    assert codes[0] == "S2"
    assert all(c.startswith("S2") for c in codes)
    assert len(codes) == 7
