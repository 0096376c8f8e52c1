"""The report as a sequence of simple blocks, for the page formats (PDF and ODT).

Markdown and HTML have templates; PDF and ODT are built with libraries that want calls,
not text, so both walk this one list instead of each re-deriving the structure.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from bot import i18n
from bot.i18n import Language
from bot.reports.metrics import metric_table
from bot.reports.templating import duration, edition_line, when


@dataclass(frozen=True)
class Heading:
    text: str
    level: int


@dataclass(frozen=True)
class Paragraph:
    text: str
    emphasis: bool = False  # the exercise banner, a broken chain


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[int]  # relative column widths
    # Long tables (the timeline of a long incident) render as one line per row: a
    # 10,000-row table takes minutes in the page libraries, lines take seconds.
    compact: bool = False


Block = Heading | Paragraph | Bullets | Table

# Tables longer than this are drawn compact (see Table.compact).
COMPACT_ROWS = 100


def table(header: list[str], rows: list[list[str]], widths: list[int]) -> Table:
    """A table, compact when it is long (see Table.compact)."""
    return Table(header, rows, widths, compact=len(rows) > COMPACT_ROWS)


def report_blocks(view: dict[str, Any], lang: Language) -> Iterator[Block]:
    """The after-action report, top to bottom."""
    t = partial(i18n.text, lang=lang)
    unknown = t("report.unknown")
    at = partial(when, timezone=view["timezone"], unknown=unknown)
    took = partial(duration, unknown=unknown)
    s, chain = view["situation"], view["chain"]
    exercise = [Paragraph(t("report.exercise"), emphasis=True)] if s["is_exercise"] else []
    yield from exercise
    yield Heading(f"{t('report.title', id=s['id'])}: {s['supplier']} — {s['title']}", 1)
    chain_state = t(
        "report.chain_intact" if chain["intact"] else "report.chain_broken",
        entries=chain["entries"],
        seq=chain["first_broken_seq"],
    )
    yield Bullets(
        [
            f"{t('report.supplier')}: {s['supplier']}",
            f"{t('report.phase')}: {s['phase_label']}",
            f"{t('report.opened')}: {at(s['opened_at'])} ({s['opened_by']})",
            f"{t('report.room')}: {s['incident_room_id'] or '-'}",
            f"{t('report.chain')}: {chain['head_hash']} ({chain_state})",
            f"{t('report.generated')}: {at(view['generated_at'])}",
        ]
    )
    if not chain["intact"]:
        yield Paragraph(chain_state, emphasis=True)
    summary = view["summary"]
    yield Heading(t("report.summary"), 2)
    yield Paragraph(
        t(
            "report.summary_text",
            entries=summary["entries"],
            decisions=summary["decisions"],
            actions=summary["actions"],
            open=summary["actions_open"],
            lessons=summary["lessons"],
            corrections=summary["corrections"],
            undisclosable=summary["undisclosable"],
        )
    )
    metrics = view["metrics"]
    yield Heading(t("report.metrics"), 2)
    yield table(
        [t("report.metric"), t("report.time"), t("report.after_signal")],
        metric_table(metrics, t, at, took),
        [2, 3, 2],
    )
    yield Heading(t("report.phases"), 2)
    yield table(
        [t("report.phase"), t("report.started"), t("report.ended"), t("report.duration")],
        [
            [
                phase["label"],
                at(phase["started_at"]),
                t("report.ongoing") if phase["ongoing"] else at(phase["ended_at"]),
                took(phase["duration_seconds"]),
            ]
            for phase in view["phases"]
        ],
        [2, 3, 3, 2],
    )
    yield Heading(t("report.decisions"), 2)
    if not view["decisions"]:
        yield Paragraph(t("report.no_decisions"))
    for number, decision in enumerate(view["decisions"], start=1):
        yield from _decision(number, decision, t, at)
    yield Heading(t("report.playbooks"), 2)
    yield Bullets(
        [
            f"{run['playbook_id']} {t('report.version')} {run['version']}: "
            f"{at(run['started_at'])} ({run['started_by']})"
            for run in view["playbooks"]
        ]
        or [t("report.no_playbooks")]
    )
    yield Heading(t("report.steps"), 2)
    if view["steps"]:
        yield table(
            [t("report.step"), t("report.event"), t("report.planned"), t("report.actual"), ""],
            [
                [
                    f"{step['run']}.{step['number']} {step['step_id']}",
                    t(f"step.status.{step['event']}"),
                    at(step["planned_at"]),
                    at(step["actual_at"]) if step["actual_at"] else "-",
                    f"{t('report.late')} {took(step['delay_seconds'])}"
                    if step["late"]
                    else t("report.on_time")
                    if step["event"] == "done"
                    else "",
                ]
                for step in view["steps"]
            ],
            [2, 2, 3, 3, 2],
        )
    else:
        yield Paragraph(t("report.no_steps"))
    yield Heading(t("report.actions"), 2)
    if view["actions"]:
        yield table(
            ["#", t("report.owner"), t("report.what"), t("report.due"), t("report.status")],
            [
                [
                    str(action["seq"]),
                    action["owner"],
                    action["action"],
                    at(action["due_at"]),
                    t(f"report.status.{action['status']}"),
                ]
                for action in view["actions"]
            ],
            [1, 3, 5, 3, 2],
        )
    else:
        yield Paragraph(t("report.no_actions"))
    yield Heading(t("report.lessons"), 2)
    yield Bullets(
        [
            f"{lesson['text']} ({lesson['by']}, {at(lesson['at'])})"
            + ("" if lesson["disclosable"] else f" ({t('report.confidential')})")
            for lesson in view["lessons"]
        ]
        or [t("report.no_lessons")]
    )
    yield Heading(t("report.timeline"), 2)
    yield table(
        ["#", t("report.time"), t("report.who"), t("report.what")],
        [
            [str(entry["seq"]), at(entry["occurred_at"]), entry["actor"], _what(entry, t)]
            for entry in view["timeline"]
        ],
        [1, 3, 3, 8],
    )
    yield Paragraph(
        f"{t('report.chain')}: {chain['head_hash']} — {t('report.verify_hint', id=s['id'])}"
    )
    if view["disclosure"] is not None:
        yield from _inventory(view["disclosure"], t, at)
    yield Paragraph(edition_line(view, lang), emphasis=True)
    yield from exercise


def _inventory(disclosure: dict[str, Any], t: Any, at: Any) -> Iterator[Block]:
    yield Heading(t("report.inventory"), 2)
    yield Paragraph(
        t(
            "report.inventory_text",
            withheld=disclosure["withheld"],
            partly=disclosure["partly"],
            roles=disclosure["public_roles"],
        )
    )
    yield table(
        [
            "#",
            t("report.inventory.date"),
            t("report.inventory.kind"),
            t("report.inventory.status"),
            t("report.inventory.ground"),
        ],
        [
            [
                str(row["seq"]),
                at(row["date"]),
                row["kind"],
                t(f"report.inventory.{row['status']}"),
                row["ground_label"],
            ]
            for row in disclosure["inventory"]
        ],
        [1, 3, 3, 2, 6],
    )


def _what(entry: dict[str, Any], t: Any) -> str:
    text = str(entry["description"])
    if entry["corrects_seq"] is not None:
        text += f" ({t('report.corrects', seq=entry['corrects_seq'])})"
    if not entry["disclosable"]:
        text += f" ({t('report.confidential')})"
    return text


def _decision(number: int, decision: dict[str, Any], t: Any, at: Any) -> Iterator[Block]:
    title = f"{number}. {decision['decision']}"
    if not decision["disclosable"]:
        title += f" ({t('report.confidential')})"
    yield Heading(title, 3)
    items = [f"{t('report.rationale')}: {decision['rationale']}"]
    if decision["decision_point"]:
        items.append(f"{t('report.decision_point')}: {decision['decision_point']}")
    for option in decision["options"]:
        if option["chosen"]:
            note = f" ({t('report.chosen')})"
        elif option["why_not"]:
            note = f" — {t('report.why_not')}: {option['why_not']}"
        else:
            note = ""
        items.append(f"{t('report.options')}: {option['option']}{note}")
    if decision["information"]:
        items.append(f"{t('report.information')}: {decision['information']}")
    items.append(
        f"{t('report.decided_by')}: {decision['decided_by']}, {at(decision['decided_at'])}"
    )
    items.append(f"{t('report.recorded')}: {at(decision['recorded_at'])}")
    if decision["present"]:
        items.append(f"{t('report.present')}: {', '.join(decision['present'])}")
    if decision["review_at"]:
        items.append(f"{t('report.review')}: {at(decision['review_at'])}")
    if decision["corrected_by"]:
        corrected = ", ".join(str(seq) for seq in decision["corrected_by"])
        items.append(f"{t('report.corrected_by')}: {corrected}")
    items.append(f"{t('report.entry')}: {decision['seq']}")
    yield Bullets(items)
