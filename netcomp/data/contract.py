"""The cohort data contract: one description that validation, templates and docs share.

A cohort is a folder of UTF-8, comma-separated CSV files with a header row, plus
``panel.txt`` (one gene symbol per line). Every rule a file must satisfy is written
once here, as data, so that :mod:`netcomp.data.validate`, ``netcomp template`` and the
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
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


#: culture_id: 1-40 characters, letters, digits, '.', '_' or '-', starting with a letter or
#: digit. Codes this plain are safe in file names, tables and pages, and cannot carry markup.
CULTURE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"

CULTURE_ID = Column(
    "culture_id",
    "text",
    "Identifier of the primary culture (pseudonymised code, never a patient name).",
    pattern=CULTURE_ID_PATTERN,
    pattern_help="of 1-40 characters: letters A-Z a-z, digits 0-9, '.', '_' or '-', "
    "starting with a letter or digit (no spaces)",
    example="NET01",
)

CULTURES = TableSpec(
    name="cultures",
    filename="cultures.csv",
    row_meaning="one row per primary culture",
    unique=("culture_id",),
    columns=(
        CULTURE_ID,
        Column(
            "site",
            "category",
            "Site of origin of the primary tumour.",
            allowed=SITES,
            example="pancreas",
        ),
        Column("grade", "category", "WHO grade of the tumour.", allowed=GRADES, example="G2"),
        Column(
            "ki67_pct",
            "number",
            "Ki67 proliferation index of the tumour.",
            unit="%",
            minimum=0,
            maximum=100,
            example="5",
        ),
        Column(
            "syndromic",
            "category",
            "Whether the tumour caused a hormonal (functioning) syndrome.",
            allowed=YES_NO,
            example="no",
        ),
        Column(
            "sex",
            "category",
            "Sex of the patient (optional; M/F, male/female, Italian M/F, German m/w are "
            "read too).",
            required=False,
            allowed=SEXES,
            example="female",
        ),
        Column(
            "age_years",
            "number",
            "Age of the patient at surgery (optional).",
            unit="years",
            required=False,
            minimum=0,
            maximum=120,
            example="61",
        ),
    ),
)

VIABILITY = TableSpec(
    name="viability",
    filename="viability.csv",
    row_meaning="one row per viability measurement (culture x drug x concentration x replicate)",
    unique=("culture_id", "drug", "concentration_um", "replicate"),
    columns=(
        CULTURE_ID,
        Column(
            "drug",
            "text",
            "Drug tested, lower-case name.",
            pattern=DRUG_PATTERN,
            pattern_help="in lower case (letters, digits, '-', '_')",
            example="lenvatinib",
        ),
        Column(
            "concentration_um",
            "number",
            "Drug concentration in the well.",
            unit="µM",
            minimum=0,
            min_inclusive=False,
            example="10",
        ),
        Column("replicate", "integer", "Replicate number (1, 2, 3, ...).", minimum=1, example="1"),
        Column(
            "viability_pct",
            "number",
            "Cell viability as percent of the untreated control of the same culture "
            "(above 100 means growth stimulation).",
            unit="% of control",
            minimum=0,
            example="78.5",
        ),
    ),
)

EXPRESSION = TableSpec(
    name="expression",
    filename="expression.csv",
    row_meaning="one row per culture and gene",
    unique=("culture_id", "gene"),
    columns=(
        CULTURE_ID,
        Column(
            "gene",
            "text",
            "HGNC gene symbol.",
            pattern=GENE_PATTERN,
            pattern_help="in upper case (an HGNC symbol)",
            example="HRAS",
        ),
        Column(
            "fold_change",
            "number",
            "Expression in the tumour tissue relative to the matched healthy tissue "
            "(linear scale; 1 = no change).",
            unit="ratio",
            minimum=0,
            min_inclusive=False,
            example="2.4",
        ),
    ),
)

MUTATIONS = TableSpec(
    name="mutations",
    filename="mutations.csv",
    row_meaning="one row per detected variant; a culture with no row has no detected mutation",
    unique=("culture_id", "gene", "variant"),
    columns=(
        CULTURE_ID,
        Column(
            "gene",
            "text",
            "HGNC symbol of the mutated gene; must be listed in panel.txt.",
            pattern=GENE_PATTERN,
            pattern_help="in upper case (an HGNC symbol)",
            example="MEN1",
        ),
        Column(
            "variant",
            "text",
            "Protein change (HGVS p. notation).",
            pattern=VARIANT_PATTERN,
            pattern_help="in HGVS protein notation, e.g. p.G12V",
            example="p.R98*",
        ),
        Column(
            "vaf",
            "number",
            "Variant allele fraction.",
            unit="fraction",
            minimum=0,
            maximum=1,
            example="0.42",
        ),
    ),
)

TABLES: tuple[TableSpec, ...] = (CULTURES, VIABILITY, EXPRESSION, MUTATIONS)
PANEL_FILENAME = "panel.txt"
FILES: tuple[str, ...] = tuple(t.filename for t in TABLES) + (PANEL_FILENAME,)

#: At most this many problems are listed per file and column; one more line gives the total.
MAX_PROBLEMS_PER_COLUMN = 20

#: Spellings of the optional ``sex`` column that are read as the contract's values
#: (compared case-insensitively). Anything else is a warning and the value is ignored.
SEX_ALIASES: dict[str, str] = {
    "female": "female",
    "f": "female",
    "woman": "female",
    "w": "female",
    "femmina": "female",
    "donna": "female",
    "weiblich": "female",
    "femme": "female",
    "mujer": "female",
    "male": "male",
    "m": "male",
    "man": "male",
    "maschio": "male",
    "uomo": "male",
    "mann": "male",
    "männlich": "male",
    "homme": "male",
    "hombre": "male",
    "unknown": "unknown",
    "u": "unknown",
    "unk": "unknown",
    "na": "unknown",
    "n/a": "unknown",
    "nd": "unknown",
    "n.d.": "unknown",
    "?": "unknown",
    "sconosciuto": "unknown",
    "non noto": "unknown",
}

# ----------------------------------------------------------------- direct identifiers policy
# A column *name* is compared after normalisation: camelCase split (``DateOfBirth`` ->
# ``date_of_birth``), accents removed, lower case, every other character a separator.

#: Words that, anywhere in a column name, mark a direct identifier (English, Italian, and
#: common German, French and Spanish spellings).
IDENTIFIER_WORDS: tuple[str, ...] = (
    # names and initials
    "name",
    "names",
    "surname",
    "surnames",
    "forename",
    "forenames",
    "firstname",
    "lastname",
    "fullname",
    "maidenname",
    "initials",
    "nome",
    "cognome",
    "iniziali",
    "nominativo",
    "vorname",
    "nachname",
    "nom",
    "prenom",
    "nombre",
    "apellido",
    "apellidos",
    # birth dates
    "dob",
    "birth",
    "birthdate",
    "birthday",
    "birthplace",
    "born",
    "nascita",
    "nato",
    "nata",
    "geburtsdatum",
    "naissance",
    "nacimiento",
    # record, hospital and national numbers
    "mrn",
    "ssn",
    "nhs",
    "chi",
    "passport",
    "fiscale",
    "fiscal",
    "codicefiscale",
    "tessera",
    "sozialversicherungsnummer",
    "insee",
    "dni",
    "nie",
    # contact details
    "address",
    "addresses",
    "street",
    "postcode",
    "zipcode",
    "postal",
    "phone",
    "telephone",
    "mobile",
    "cellphone",
    "fax",
    "email",
    "mail",
    "indirizzo",
    "residenza",
    "domicilio",
    "telefono",
    "cellulare",
    "adresse",
    "telefon",
    "direccion",
)
#: Several-word names of identifiers (matched as consecutive words, or glued together).
IDENTIFIER_PHRASES: tuple[str, ...] = (
    "date_of_birth",
    "data_di_nascita",
    "first_name",
    "last_name",
    "full_name",
    "patient_id",
    "patient_name",
    "medical_record",
    "record_number",
    "record_no",
    "hospital_number",
    "hospital_no",
    "hospital_id",
    "nhs_number",
    "national_id",
    "national_insurance",
    "social_security",
    "tax_code",
    "tax_id",
    "codice_fiscale",
    "fiscal_code",
    "health_card",
    "tessera_sanitaria",
    "e_mail",
    "zip_code",
    "post_code",
    "postal_code",
    "phone_number",
    "cap_code",
    "id_paziente",
    "numero_cartella",
    "cartella_clinica",
)
#: Short names that are identifiers only as the whole column name.
IDENTIFIER_WHOLE_NAMES: tuple[str, ...] = ("cf", "cap", "tel", "zip")
#: Words that make a ``name`` column about something other than a person.
NON_PERSON_QUALIFIERS: tuple[str, ...] = (
    "gene",
    "genes",
    "drug",
    "drugs",
    "compound",
    "sample",
    "cell",
    "culture",
    "line",
    "file",
    "site",
    "panel",
    "assay",
    "batch",
    "plate",
    "study",
    "lab",
    "laboratory",
    "tissue",
    "tumor",
    "tumour",
    "variant",
    "protein",
    "target",
    "trial",
    "cohort",
    "project",
    "kit",
    "reagent",
    "antibody",
    "instrument",
    "column",
    "sheet",
    "farmaco",
    "campione",
    "sito",
    "pathway",
    "marker",
    "probe",
    "primer",
    "transcript",
    "treatment",
    "condition",
    "group",
    "arm",
    "organ",
    "well",
    "experiment",
    "run",
    "dataset",
    "centre",
    "center",
    "hospital",
)
#: Kinds of values that look like direct identifiers, in any text column (the patterns are
#: in :mod:`netcomp.data.validate`): e-mail addresses, phone numbers, full calendar dates (possible
#: dates of birth; give ages or intervals instead), Italian codice fiscale, NHS number (with a
#: valid check digit), US social security number, UK national insurance number.
IDENTIFIER_VALUE_KINDS: tuple[str, ...] = (
    "e-mail address",
    "phone number",
    "calendar date (possible date of birth)",
    "codice fiscale",
    "NHS number",
    "social security number",
    "national insurance number",
)


def table(name: str) -> TableSpec:
    """Return the spec of a cohort table by name (``cultures``, ``viability``, ...)."""
    for spec in TABLES:
        if spec.name == name:
            return spec
    raise KeyError(name)
