"""The option every SelectField and RadioField is given: WTForms 3.3's SelectChoice."""

# types-WTForms describes WTForms 3.2, which had no SelectChoice (3.3 added it and deprecated
# tuple choices), so mypy sees it as Any here; once the stubs know it, mypy reports this ignore
# as unused.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

__all__ = ["SelectChoice"]
