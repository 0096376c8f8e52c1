"""The exercise report: the situation's normal report plus expected versus done."""

from __future__ import annotations

from collections import Counter

from bot import i18n
from bot.config import Settings
from bot.exercises.evaluation import Assessment, Outcome
from bot.exercises.runner import ExerciseResult
from bot.i18n import Language
from bot.playbooks.durations import format_deadline
from bot.reports.cli import write_report
from bot.reports.formats import find_format


def outcome_text(assessment: Assessment, lang: Language) -> str:
    """The outcome in words, e.g. "late" or "other choice (wait-for-supplier)"."""
    return i18n.text(f"exercise.outcome.{assessment.outcome.value}", lang, chosen=assessment.chosen)


def summary_text(assessments: list[Assessment], lang: Language) -> str:
    """Counts per outcome in one sentence."""
    counts = Counter(assessment.outcome for assessment in assessments)
    return i18n.text(
        "exercise.report.summary",
        lang,
        on_time=counts[Outcome.ON_TIME],
        late=counts[Outcome.LATE],
        missing=counts[Outcome.MISSING],
        other=counts[Outcome.OTHER_OPTION],
    )


def evaluation_markdown(result: ExerciseResult, lang: Language, timezone: str) -> str:
    """The expected-versus-done section as Markdown."""
    scenario = result.scenario
    lines = [
        f"# {i18n.text('exercise.report.title', lang, scenario=scenario.title.get(lang))}",
        "",
        i18n.text(
            "exercise.report.intro",
            lang,
            id=scenario.id,
            playbook=scenario.playbook,
            speed=f"{result.speed:g}",
            started=i18n.format_timestamp(result.started_at, timezone),
        ),
        "",
    ]
    if result.situation_id is None:
        return "\n".join([*lines, i18n.text("exercise.report.no_situation", lang), ""])
    header = i18n.text("exercise.report.header", lang)
    lines += [f"| {header} |", "|" + "---|" * (header.count("|") + 1)]
    for assessment in result.assessments:
        when = "" if assessment.at is None else format_deadline(assessment.at)
        cells = [
            assessment.subject,
            format_deadline(assessment.inject.at),
            outcome_text(assessment, lang),
            when,
            assessment.actor or "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", summary_text(result.assessments, lang), ""]
    return "\n".join(lines)


async def exercise_report(settings: Settings, result: ExerciseResult, lang: Language) -> str:
    """Expected versus done, followed by the situation's normal report (Markdown)."""
    evaluation = evaluation_markdown(result, lang, settings.timezone)
    if result.situation_id is None:
        return evaluation
    markdown = find_format("md")
    assert markdown is not None
    report = await write_report(settings, result.situation_id, markdown, lang)
    return evaluation + "\n" + report.document.decode("utf-8")
