"""Importing, exporting and editing the jurisdiction tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.concurrency import update_if_version
from zhian.core.errors import ValidationFailed
from zhian.core.geo import GeometryError, check_cells, h3_cover, to_geojson, validate_boundary
from zhian.core.models.jurisdictions import Jurisdiction, JurisdictionCell, JurisdictionKind
from zhian.core.scoping import check_can

KINDS = [k.value for k in JurisdictionKind]


class JurisdictionImportError(ValidationFailed):
    """Every fault found in a file, each naming its feature; nothing was stored."""

    code = "invalid_jurisdiction_file"

    def __init__(self, faults: list[str]) -> None:
        super().__init__(f"文件有 {len(faults)} 处错误，未导入任何辖区", faults=faults)
        self.faults = faults


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    codes: list[str] = field(default_factory=list)


@dataclass
class _Parsed:
    code: str
    name: str
    name_en: str
    kind: str
    parent: str | None
    boundary: dict[str, Any]
    cells: set[str]
    bbox: tuple[float, float, float, float]


def _feature_label(index: int, feature: Any) -> str:
    code = feature.get("properties", {}).get("code") if isinstance(feature, dict) else None
    return f"第 {index + 1} 个要素" + (f"（{code}）" if code else "")


def _parse_feature(index: int, feature: Any) -> _Parsed:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise GeometryError("不是 GeoJSON Feature")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise GeometryError("缺少 properties")
    code = props.get("code")
    name = props.get("name")
    kind = props.get("kind")
    parent = props.get("parent")
    if not isinstance(code, str) or not code.strip() or len(code) > 32 or "/" in code:
        raise GeometryError("code 须为 1–32 个字符且不含“/”")
    if not isinstance(name, str) or not name.strip():
        raise GeometryError("缺少名称 name")
    if kind not in KINDS:
        raise GeometryError(f"kind 须为 {', '.join(KINDS)} 之一，收到 {kind!r}")
    if parent is not None and not isinstance(parent, str):
        raise GeometryError("parent 须为上级辖区编码或 null")
    geom = validate_boundary(feature.get("geometry"))
    cells = check_cells(props["h3_cells"]) if "h3_cells" in props else h3_cover(geom)
    return _Parsed(
        code=code.strip(),
        name=name.strip()[:100],
        name_en=str(props.get("name_en") or "")[:100],
        kind=kind,
        parent=parent,
        boundary=to_geojson(geom),
        cells=cells,
        bbox=tuple(float(v) for v in geom.bounds),  # type: ignore[arg-type]
    )


def parse_feature_collection(data: Any) -> list[_Parsed]:
    """Validate a whole file, collecting every fault, and return features parents-first."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise JurisdictionImportError(["文件不是 GeoJSON FeatureCollection"])
    if "crs" in data:
        raise JurisdictionImportError(["不支持 crs 成员：RFC 7946 规定坐标一律为 WGS84"])
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise JurisdictionImportError(["FeatureCollection 没有要素"])
    faults: list[str] = []
    parsed: dict[str, _Parsed] = {}
    for i, feature in enumerate(features):
        try:
            item = _parse_feature(i, feature)
        except GeometryError as exc:
            faults.append(f"{_feature_label(i, feature)}：{exc}")
            continue
        if item.code in parsed:
            faults.append(f"{_feature_label(i, feature)}：编码 {item.code} 重复")
            continue
        parsed[item.code] = item

    existing = {
        j.code: j
        for j in Jurisdiction.objects.filter(
            code__in={p.parent for p in parsed.values() if p.parent} | set(parsed)
        )
    }
    for i, feature in enumerate(features):
        code = feature.get("properties", {}).get("code") if isinstance(feature, dict) else None
        found = parsed.get(code.strip()) if isinstance(code, str) else None
        if found is None:
            continue
        item = found
        label = _feature_label(i, feature)
        if item.kind == JurisdictionKind.BUREAU:
            if item.parent:
                faults.append(f"{label}：分局不能有上级辖区")
            continue
        if not item.parent:
            faults.append(f"{label}：{JurisdictionKind(item.kind).label}必须有上级辖区 parent")
            continue
        parent_kind = (
            parsed[item.parent].kind
            if item.parent in parsed
            else existing[item.parent].kind
            if item.parent in existing
            else None
        )
        if parent_kind is None:
            faults.append(f"{label}：上级辖区 {item.parent} 不存在")
        elif KINDS.index(item.kind) != KINDS.index(parent_kind) + 1:
            faults.append(
                f"{label}：{JurisdictionKind(item.kind).label}不能直接隶属于"
                f"{JurisdictionKind(parent_kind).label}（{item.parent}）"
            )
        if item.code in existing and existing[item.code].kind != item.kind:
            faults.append(f"{label}：已有辖区 {item.code} 的层级不能改变")
    if faults:
        raise JurisdictionImportError(faults)
    return sorted(parsed.values(), key=lambda p: KINDS.index(p.kind))


@transaction.atomic
def do_import_jurisdictions(data: Any, *, acting_user: Any) -> ImportSummary:
    """Create or update every jurisdiction in a FeatureCollection, all or nothing.

    ``acting_user`` None means the installation job (``manage.py import_jurisdictions``).
    """
    items = parse_feature_collection(data)
    summary = ImportSummary()
    by_code: dict[str, Jurisdiction] = {}
    for item in items:
        parent = None
        if item.parent:
            parent = by_code.get(item.parent) or Jurisdiction.objects.get(code=item.parent)
        if acting_user is not None and parent is not None:
            check_can(acting_user, "jurisdiction.import", parent)
        path = (parent.path if parent else "/") + item.code + "/"
        defaults = {
            "name": item.name,
            "name_en": item.name_en,
            "kind": item.kind,
            "parent": parent,
            "path": path,
            "boundary": item.boundary,
            "min_lon": item.bbox[0],
            "min_lat": item.bbox[1],
            "max_lon": item.bbox[2],
            "max_lat": item.bbox[3],
        }
        node = Jurisdiction.objects.filter(code=item.code).first()
        if node is None:
            node = Jurisdiction.objects.create(code=item.code, **defaults)
            summary.created += 1
        else:
            if acting_user is not None:
                check_can(acting_user, "jurisdiction.import", node)
            for key, value in defaults.items():
                setattr(node, key, value)
            node.version += 1
            node.save()
            node.cells.all().delete()
            summary.updated += 1
        JurisdictionCell.objects.bulk_create(
            [
                JurisdictionCell(jurisdiction=node, cell=c, kind=node.kind)
                for c in sorted(item.cells)
            ],
            batch_size=2000,
        )
        by_code[item.code] = node
        summary.codes.append(item.code)
    audit.record(
        actor=acting_user,
        action="jurisdiction.import",
        object_type="core.jurisdiction",
        data={"created": summary.created, "updated": summary.updated, "codes": summary.codes[:50]},
    )
    return summary


def feature_collection(
    jurisdictions: Any, *, with_cells: bool = False, limit: int | None = None
) -> dict[str, Any]:
    """Jurisdictions as an RFC 7946 FeatureCollection, parents first (at most ``limit``).
    ``with_cells`` adds each one's H3 cover, which makes the file importable
    (``export_jurisdictions``)."""
    features = []
    for j in jurisdictions.select_related("parent").order_by("path")[:limit]:
        properties = {
            "code": j.code,
            "name": j.name,
            "name_en": j.name_en,
            "kind": j.kind,
            "parent": j.parent.code if j.parent else None,
        }
        if with_cells:
            properties["h3_cells"] = sorted(j.cells.values_list("cell", flat=True))
        features.append({"type": "Feature", "geometry": j.boundary, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


@transaction.atomic
def do_rename_jurisdiction(
    jurisdiction: Jurisdiction,
    *,
    acting_user: Any,
    name: str,
    name_en: str | None,
    expected_version: int,
) -> Jurisdiction:
    """Rename a jurisdiction if the caller saw its current version."""
    check_can(acting_user, "jurisdiction.change", jurisdiction)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("名称须为 1–100 个字符"), code="invalid_name", field="name")
    before = {"name": jurisdiction.name, "name_en": jurisdiction.name_en}
    updates: dict[str, Any] = {"name": name}
    if name_en is not None:
        updates["name_en"] = name_en.strip()[:100]
    update_if_version(
        jurisdiction, expected_version, _("该辖区已被他人修改，请刷新后重试"), **updates
    )
    audit.record(
        actor=acting_user,
        action="jurisdiction.rename",
        obj=jurisdiction,
        data={
            "before": before,
            "after": {"name": jurisdiction.name, "name_en": jurisdiction.name_en},
        },
    )
    return jurisdiction
