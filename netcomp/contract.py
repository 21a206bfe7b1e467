"""The cohort data contract: one description that validation, templates and docs share.

A cohort is a folder of UTF-8, comma-separated CSV files with a header row, plus
``panel.txt`` (one gene symbol per line). Every rule a file must satisfy is written
once here, as data, so that :mod:`netcomp.validate`, ``netcomp template`` and the
data dictionary page can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SITES: tuple[str, ...] = (
    "pancreas",
    "small_intestine",
    "stomach",
    "duodenum",
    "colon",
    "rectum",
    "appendix",
    "unknown",
)
GRADES: tuple[str, ...] = ("G1", "G2", "G3")
YES_NO: tuple[str, ...] = ("yes", "no")
SEXES: tuple[str, ...] = ("female", "male", "unknown")

#: HGNC-like gene symbol: upper-case letters and digits, may contain '-', starts with a letter.
GENE_PATTERN = r"^[A-Z][A-Z0-9-]*(orf[0-9]+)?[A-Z0-9-]*$"
#: Lower-case drug name: letters, digits, '-' and '_'.
DRUG_PATTERN = r"^[a-z][a-z0-9_-]*$"
#: HGVS-like protein change, e.g. p.G12V, p.R273H, p.E746_A750del, p.Q61*.
VARIANT_PATTERN = r"^p\.[A-Za-z0-9_*=?>-]+$"


@dataclass(frozen=True)
class Column:
    """One column of a cohort file and the rule its values must follow."""

    name: str
    kind: str  # "text", "number", "integer", "category"
    description: str
    unit: str = ""
    required: bool = True
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True
    pattern: str | None = None
    pattern_help: str = ""
    example: str = ""

    def rule(self) -> str:
        """A one-line, human-readable statement of what the column accepts."""
        if self.allowed:
            return "one of " + ", ".join(f"'{a}'" for a in self.allowed)
        parts = []
        if self.kind == "integer":
            parts.append("a whole number")
        elif self.kind == "number":
            parts.append("a number (decimal point '.')")
        else:
            parts.append("text")
        if self.minimum is not None:
            op = ">=" if self.min_inclusive else ">"
            parts.append(f"{op} {self.minimum:g}")
        if self.maximum is not None:
            op = "<=" if self.max_inclusive else "<"
            parts.append(f"{op} {self.maximum:g}")
        if self.pattern_help:
            parts.append(self.pattern_help)
        elif self.pattern is not None:
            parts.append(f"matching {self.pattern}")
        return " ".join(parts)


@dataclass(frozen=True)
class TableSpec:
    """A cohort CSV file: its columns, its key and what one row means."""

    name: str
    filename: str
    row_meaning: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()
    optional_file: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


CULTURE_ID = Column(
    "culture_id",
    "text",
    "Identifier of the primary culture (pseudonymised code, never a patient name).",
    pattern=r"^\S+$",
    pattern_help="without spaces",
    example="NET01",
)

CULTURES = TableSpec(
    name="cultures",
    filename="cultures.csv",
    row_meaning="one row per primary culture",
    unique=("culture_id",),
    columns=(
        CULTURE_ID,
        Column("site", "category", "Site of origin of the primary tumour.", allowed=SITES,
               example="pancreas"),
        Column("grade", "category", "WHO grade of the tumour.", allowed=GRADES, example="G2"),
        Column("ki67_pct", "number", "Ki67 proliferation index of the tumour.", unit="%",
               minimum=0, maximum=100, example="5"),
        Column("syndromic", "category",
               "Whether the tumour caused a hormonal (functioning) syndrome.", allowed=YES_NO,
               example="no"),
        Column("sex", "category", "Sex of the patient (optional).", required=False,
               allowed=SEXES, example="female"),
        Column("age_years", "number", "Age of the patient at surgery (optional).", unit="years",
               required=False, minimum=0, maximum=120, example="61"),
    ),
)

VIABILITY = TableSpec(
    name="viability",
    filename="viability.csv",
    row_meaning="one row per viability measurement (culture x drug x concentration x replicate)",
    unique=("culture_id", "drug", "concentration_um", "replicate"),
    columns=(
        CULTURE_ID,
        Column("drug", "text", "Drug tested, lower-case name.", pattern=DRUG_PATTERN,
               pattern_help="in lower case (letters, digits, '-', '_')", example="lenvatinib"),
        Column("concentration_um", "number", "Drug concentration in the well.", unit="µM",
               minimum=0, min_inclusive=False, example="10"),
        Column("replicate", "integer", "Replicate number (1, 2, 3, ...).", minimum=1,
               example="1"),
        Column("viability_pct", "number",
               "Cell viability as percent of the untreated control of the same culture "
               "(above 100 means growth stimulation).", unit="% of control", minimum=0,
               example="78.5"),
    ),
)

EXPRESSION = TableSpec(
    name="expression",
    filename="expression.csv",
    row_meaning="one row per culture and gene",
    unique=("culture_id", "gene"),
    columns=(
        CULTURE_ID,
        Column("gene", "text", "HGNC gene symbol.", pattern=GENE_PATTERN,
               pattern_help="in upper case (an HGNC symbol)", example="HRAS"),
        Column("fold_change", "number",
               "Expression in the tumour tissue relative to the matched healthy tissue "
               "(linear scale; 1 = no change).", unit="ratio", minimum=0,
               min_inclusive=False, example="2.4"),
    ),
)

MUTATIONS = TableSpec(
    name="mutations",
    filename="mutations.csv",
    row_meaning="one row per detected variant; a culture with no row has no detected mutation",
    unique=("culture_id", "gene", "variant"),
    columns=(
        CULTURE_ID,
        Column("gene", "text", "HGNC symbol of the mutated gene; must be listed in panel.txt.",
               pattern=GENE_PATTERN, pattern_help="in upper case (an HGNC symbol)", example="MEN1"),
        Column("variant", "text", "Protein change (HGVS p. notation).", pattern=VARIANT_PATTERN,
               pattern_help="in HGVS protein notation, e.g. p.G12V", example="p.R98*"),
        Column("vaf", "number", "Variant allele fraction.", unit="fraction", minimum=0,
               maximum=1, example="0.42"),
    ),
)

TABLES: tuple[TableSpec, ...] = (CULTURES, VIABILITY, EXPRESSION, MUTATIONS)
PANEL_FILENAME = "panel.txt"
FILES: tuple[str, ...] = tuple(t.filename for t in TABLES) + (PANEL_FILENAME,)

#: Column-name fragments that suggest a direct patient identifier (checked case-insensitively
#: on names normalised to lower case with '_' separators).
IDENTIFIER_HINTS: tuple[str, ...] = (
    "name", "surname", "first_name", "last_name", "birth", "dob", "address", "street",
    "phone", "telephone", "mobile", "email", "e_mail", "mrn", "medical_record",
    "record_number", "national_id", "ssn", "social_security", "tax_code", "codice_fiscale",
    "fiscal_code", "passport", "patient_id",
)


def table(name: str) -> TableSpec:
    """Return the spec of a cohort table by name (``cultures``, ``viability``, ...)."""
    for spec in TABLES:
        if spec.name == name:
            return spec
    raise KeyError(name)
