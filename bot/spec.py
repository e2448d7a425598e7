"""The data product spec, ``atrisk.yml``: the deployment's configuration and its one-page spec.

A missing required field is refused with a message that names it and says why the product
cannot run without it.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from bot.errors import SpecError
from bot.spec_keys import unknown_key_message
from bot.spec_leads import lead_label, lead_required_tables
from bot.spec_yaml import runaway_quote, yaml_error_place
from scoring.catalog import FeatureInfo

# Why each required field matters; used in the refusal message.
WHY_REQUIRED: dict[str, str] = {
    "consumer": "a data product must say who it is for",
    "consumer.persona": "a data product must say who it is for",
    "consumer.job_to_be_done": "a data product must say what job it does",
    "entity": "the product must know what it scores",
    "accuracy": "without an accuracy SLA nobody can tell when the model must be switched off",
    "accuracy.floor": "without a floor a failing model would keep posting",
    "surface": "an alert needs somewhere to go",
    "surface.default_channel": "alerts for CSMs without a channel need somewhere to go",
    "surface.ops_channel": "failures must be reported somewhere",
    "feedback": "a data product without a feedback signal cannot start",
    "feedback.outcome_days": "a data product without a feedback signal cannot start",
    "owners": "someone must be told when data, model or bot break",
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Consumer(_Section):
    persona: str
    job_to_be_done: str


class Entity(_Section):
    """What is scored: accounts (churn within the horizon) or leads (conversion within it)."""

    kind: Literal["account", "lead"] = "account"
    horizon_days: int = Field(30, ge=1, le=365)
    label: str = "churned_at"
    # contract terms in months (1 monthly, 12 annual, 36 three-year): renewals recur every term
    renewal_term_months: int = Field(12, ge=1, le=120)
    renewal_terms_by_plan: dict[str, int] = Field(default_factory=dict)  # plan → months

    @field_validator("renewal_terms_by_plan")
    @classmethod
    def _terms_in_months(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [f"{plan}: {months}" for plan, months in v.items() if not 1 <= months <= 120]
        if bad:
            raise ValueError(
                f"terms must be 1 to 120 months (1 monthly, 12 annual, 36 three-year): "
                f"{', '.join(bad)}"
            )
        return v

    @model_validator(mode="before")
    @classmethod
    def _kind_alone(cls, data: Any) -> Any:
        # ``entity: lead`` is short for ``entity: {kind: lead}``
        return {"kind": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _lead_label(self) -> Entity:
        if self.kind == "lead":
            self.label = lead_label(self.label, given="label" in self.model_fields_set)
        return self


class Column(_Section):
    """One declared ``account_features`` column: how it reads, its family, whether to act on it."""

    label: str  # e.g. "{value} sync errors in the last 30 days"; {value} is the column's value
    family: Literal["adoption", "integrations", "support", "usage", "commercial", "other"]
    direction: Literal["higher_is_riskier", "lower_is_riskier", "none"] = "none"
    actionable: bool = True  # False: an attribute (tenure, charges, region): context only
    unit: str | None = None  # "currency" takes surface.currency; any other text is appended
    #: a declared column that partly causes this one (its push is credited there; see
    #: scoring.causes): e.g. logins caused by features never adopted
    caused_by: str | None = None


class Contract(_Section):
    source: str | None = None
    columns: dict[str, Column] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _causes_are_declared(self) -> Contract:
        problems = [p for name in self.columns for p in cause_problems(name, self.columns)]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    #: the schema holding the tables of a URL source (e.g. the schema dbt builds into)
    source_schema: str | None = None
    key_features: list[str] = Field(default_factory=list)

    @field_validator("key_features")
    @classmethod
    def _trimmed(cls, v: list[str]) -> list[str]:
        return [f.strip() for f in v if f.strip()]

    required_tables: list[str] = Field(
        default_factory=lambda: ["accounts", "team", "usage", "integration_runs", "tickets"]
    )
    features: Literal["builtin", "account_features"] = "builtin"


def cause_problems(name: str, columns: dict[str, Column]) -> list[str]:
    """What is wrong with ``columns[name].caused_by`` (empty when it is fine or absent)."""
    col, where = columns[name], f"columns.{name}.caused_by"
    cause = col.caused_by
    if cause is None:
        return []
    if cause not in columns:
        close = difflib.get_close_matches(cause, list(columns), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return [
            f"{where}: {cause!r} is not a declared column{hint}; a cause must be declared "
            "under contract.columns too"
        ]
    problems: list[str] = []
    if cause == name:
        problems.append(f"{where}: a column cannot cause itself")
    if col.direction == "none":
        problems.append(
            f"{where}: {name} needs a direction (higher_is_riskier or lower_is_riskier) so "
            "that its risky side can be credited to its cause"
        )
    if not columns[cause].actionable:
        problems.append(
            f"{where}: {cause!r} is an attribute (actionable: false), never a reason; "
            "credit would vanish — name a column a person can act on"
        )
    seen, at = {name}, cause
    while at in columns and columns[at].caused_by is not None and at != name:
        at = columns[at].caused_by or ""
        if at in seen:
            problems.append(f"{where}: causes go round in a circle through {at!r}")
            break
        seen.add(at)
    return problems


class Freshness(_Section):
    cron: str = "0 6 * * *"
    timezone: str = "UTC"
    stale_after_days: int = Field(8, ge=1)
    latency_budget_seconds: int = Field(900, ge=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(
                f"unknown time zone {v!r} (use an IANA name such as Europe/Berlin)"
            ) from e
        return v

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, v: str) -> str:
        if len(v.split()) != 5:
            raise ValueError(f"cron {v!r} must have 5 fields: minute hour day month weekday")
        return v


class Accuracy(_Section):
    metric: Literal["roc_auc", "pr_auc"] = "roc_auc"
    target: float = Field(0.8, gt=0, le=1)
    floor: float = Field(gt=0, le=1)

    @model_validator(mode="after")
    def _floor_below_target(self) -> Accuracy:
        if self.floor > self.target:
            raise ValueError(f"floor {self.floor} is above target {self.target}")
        return self


class Surface(_Section):
    default_channel: str
    ops_channel: str
    daily_cap_per_csm: int = Field(5, ge=1)
    cooldown_days: int = Field(14, ge=0)
    risk_rise_margin: float = Field(0.1, ge=0, le=1)
    threshold: float | None = Field(None, gt=0, lt=1)
    top_share: float | None = Field(None, gt=0, le=1)
    currency: str = ""  # shown before money amounts (ARR, declared currency columns), e.g. "€"
    risk_floor: float = Field(0.05, ge=0, lt=1)  # nothing below this risk is flagged

    @model_validator(mode="after")
    def _one_flag_rule(self) -> Surface:
        if self.threshold is None and self.top_share is None:
            self.top_share = 0.05
        return self


class Actions(_Section):
    playbooks: str | None = None  # a folder of the team's own playbooks; None = built-in library
    extend_builtin: bool = False


class Feedback(_Section):
    outcome_days: int = Field(ge=1, le=365)
    holdout_share: float = Field(0.1, ge=0, lt=1)
    #: the smallest retention lift worth detecting (fraction: 0.05 = 5 points); the report
    #: says how many held-out accounts it takes to detect it
    min_effect: float = Field(0.05, gt=0, lt=1)


class Owners(_Section):
    data: list[str] = Field(default_factory=list)
    model: list[str] = Field(default_factory=list)
    bot: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _someone(self) -> Owners:
        if not (self.data or self.model or self.bot):
            raise ValueError("name at least one owner (Slack user id) for data, model or bot")
        return self


class Training(_Section):
    snapshot_every_days: int = Field(7, ge=1)
    history_days: int = Field(540, ge=30)
    validation_share: float = Field(0.2, gt=0, lt=1)
    min_positives: int = Field(50, ge=1)
    retrain_cron: str = "0 3 * * 0"
    exclude_features: list[str] = Field(default_factory=list)  # e.g. a leaking field


class Rules(_Section):
    """The rules score served while the history is too thin to train a model (docs/model.md)."""

    # feature → log-odds per robust standard deviation towards risk; 0 leaves a feature out
    weights: dict[str, float] = Field(default_factory=dict)

    @field_validator("weights")
    @classmethod
    def _not_negative(cls, v: dict[str, float]) -> dict[str, float]:
        negative = [k for k, w in v.items() if w < 0]
        if negative:
            raise ValueError(
                f"weights of {', '.join(negative)} are negative: a weight is how strongly the "
                "feature's risky side raises risk (0 leaves it out); the direction comes from "
                "the feature catalog or contract.columns"
            )
        return v


class Drift(_Section):
    psi_threshold: float = Field(0.25, gt=0)
    pause_weighted_psi: float = Field(0.1, gt=0)
    persist_runs: int = Field(2, ge=1)
    reference_weeks: int = Field(2, ge=1, le=8)
    max_drifted_features: int | None = Field(
        None, deprecated="no longer used: the pause follows drift.pause_weighted_psi"
    )


class Spec(_Section):
    """``atrisk.yml`` as a validated model (see docs/spec.md for every field)."""

    name: str = "atrisk"
    consumer: Consumer
    entity: Entity = Field(default_factory=Entity)
    contract: Contract = Field(default_factory=Contract)
    freshness: Freshness = Field(default_factory=Freshness)
    accuracy: Accuracy
    surface: Surface
    actions: Actions = Field(default_factory=Actions)
    feedback: Feedback
    owners: Owners
    training: Training = Field(default_factory=Training)
    rules: Rules = Field(default_factory=Rules)
    drift: Drift = Field(default_factory=Drift)
    base_dir: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _lead_tables(self) -> Spec:
        if self.entity.kind == "lead":
            given = "required_tables" in self.contract.model_fields_set
            tables = lead_required_tables(self.contract.required_tables, given=given)
            self.contract.required_tables = tables
        return self

    def job_name(self, name: str) -> str:
        """``name`` as this product's key in ``job_runs`` and ``ops_notices``: churn keeps the
        plain name (``daily``), leads prefix it (``lead:daily``), so two specs sharing one
        database run and report each job once per product."""
        return name if self.entity.kind == "account" else f"{self.entity.kind}:{name}"

    def declared_columns(self) -> dict[str, FeatureInfo]:
        """``contract.columns`` as catalog entries (label with its unit, family, direction)."""
        out: dict[str, FeatureInfo] = {}
        for name, col in self.contract.columns.items():
            label = col.label
            if col.unit == "currency" and self.surface.currency:
                label = label.replace("{value}", f"{self.surface.currency}{{value}}")
            elif col.unit and col.unit != "currency":
                label = label.replace("{value}", f"{{value}} {col.unit}")
            riskier = {"higher_is_riskier": True, "lower_is_riskier": False}.get(col.direction)
            out[name] = FeatureInfo(
                name, col.family, True, label, riskier, col.actionable, col.caused_by
            )
        return out

    def resolve(self, path: str | None) -> str | None:
        """A relative path in the spec is relative to the spec's own folder; URLs are kept."""
        if path is None or "://" in path:
            return path
        p = Path(path)
        return str(p if p.is_absolute() else (self.base_dir / p))


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _message(source: str, err: ErrorDetails, text: str | None = None) -> str:
    field = _field_path(err["loc"])
    if err["type"] == "missing":
        why = WHY_REQUIRED.get(field) or WHY_REQUIRED.get(field.split(".")[0], "")
        return f"{source}: {field} is required" + (f" — {why}" if why else "")
    if err["type"] == "extra_forbidden":
        return unknown_key_message(Spec, source, tuple(err["loc"]), text)
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{source}: {field}: {msg}" if field else f"{source}: {msg}"


def parse_spec(
    data: Any, source: str = "atrisk.yml", base_dir: Path | None = None, text: str | None = None
) -> Spec:
    """Validate a parsed ``atrisk.yml``; every problem is named in one ``SpecError`` (an
    unknown key with its line in ``text``, the file's YAML, and the keys it may have meant)."""
    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected a mapping of sections (consumer, entity, …)")
    try:
        spec = Spec.model_validate(data)
    except ValidationError as e:
        raise SpecError("\n".join(_message(source, err, text) for err in e.errors())) from None
    if base_dir is not None:
        spec.base_dir = base_dir
    return spec


def load_spec(path: Path) -> Spec:
    """Read and validate ``path``; a missing or unreadable file is a ``SpecError``."""
    if not path.exists():
        raise SpecError(
            f"{path}: no data product spec here. Start from the example with "
            f"`atrisk spec --example > {path.name}`, or set ATRISK_SPEC to your spec's path."
        )
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise SpecError(f"{path}: not valid YAML {yaml_error_place(e)}") from None
    try:
        return parse_spec(data, source=path.name, base_dir=path.resolve().parent, text=text)
    except SpecError:
        runaway = runaway_quote(text)
        if runaway is None:
            raise
        raise SpecError(f"{path}: {runaway}") from None
