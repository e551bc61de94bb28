"""Grid's API input types: the contract of :mod:`zhian.core.schema_types` (no NUL or lone
surrogate, names without invisible characters, booleans that are not numbers) at the
lengths of grid's own columns and forms, for the fields that must not be empty."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from zhian.core.schema_types import check_name, check_text, not_bool

Required100 = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(check_text)]
Required200 = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(check_text)]
Required2000 = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(check_text)]
Required4000 = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(check_text)]
Purpose500 = Annotated[str, Field(min_length=2, max_length=500), AfterValidator(check_text)]
Text18 = Annotated[str, Field(max_length=18), AfterValidator(check_text)]
Name200 = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(check_name)]
Rating = Annotated[int, BeforeValidator(not_bool), Field(ge=1, le=5)]
