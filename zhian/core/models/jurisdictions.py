"""The jurisdiction tree (辖区): 分局 → 派出所 → 警务区 → 网格."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JurisdictionKind(models.TextChoices):
    """Levels of the tree, outermost first."""

    BUREAU = "bureau", _("分局")
    STATION = "station", _("派出所")
    SECTOR = "sector", _("警务区")
    GRID = "grid", _("网格")

    @classmethod
    def depth_of(cls, kind: str) -> int:
        return [c.value for c in cls].index(kind)


class Jurisdiction(models.Model):
    """One node of the tree with its boundary (GeoJSON, WGS84) and H3 res-9 cover.

    ``path`` is a materialised path of codes (``/DEMO/DEMO-01/``) so that "this node and
    everything below it" is one indexed prefix query on SQLite and PostgreSQL alike.
    """

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    kind = models.CharField(_("层级"), max_length=16, choices=JurisdictionKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    boundary = models.JSONField(_("边界"), help_text=_("GeoJSON Polygon 或 MultiPolygon（WGS84）"))
    # Bounding box for map framing and quick point-in-area rejection.
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")
        indexes = [models.Index(fields=["kind", "path"], name="core_jurisdiction_kind_path")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="bureau", parent__isnull=True)
                | (~models.Q(kind="bureau") & models.Q(parent__isnull=False)),
                name="core_jurisdiction_root_is_bureau",
                violation_error_message=_("只有分局没有上级辖区"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def ancestor_codes(self) -> list[str]:
        """Codes from the root down to this node, inclusive."""
        return [c for c in self.path.split("/") if c]


class JurisdictionCell(models.Model):
    """One H3 resolution-9 cell of a jurisdiction's cover, for fast point lookups."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="cells")
    cell = models.CharField(max_length=16)
    kind = models.CharField(max_length=16, choices=JurisdictionKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "cell"], name="core_jcell_unique"),
        ]
        indexes = [models.Index(fields=["cell", "kind"], name="core_jcell_cell_kind")]

    def __str__(self) -> str:
        return self.cell
