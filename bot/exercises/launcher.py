"""``!exercise start``: running the exercise runner inside the bot, in the background.

The runner plays against this very bot from the outside (signed intake, player accounts),
exactly as ``weerbaar exercise run`` does; only the start and the closing notice differ.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from bot import i18n
from bot.config import Settings
from bot.errors import DomainError, NoExercisePlayers
from bot.exercises.cli import configured_players, target_for
from bot.exercises.fallback_results import ask_for_results
from bot.exercises.loader import covering, find_scenario
from bot.exercises.report import summary_text
from bot.exercises.runner import ExerciseError, ExerciseRunner
from bot.exercises.scenario import Scenario
from bot.i18n import Language
from bot.matrix.content import text_content
from bot.playbooks.loader import load_playbook_dir
from bot.services import ServiceFactory
from bot.storage.db import detached_context
from bot.yamlfiles.loader import FileError

log = logging.getLogger(__name__)


class UnknownScenario(DomainError):
    key = "exercise.unknown"


class BotExercises:
    """Starts exercises against the running bot and reports their end in the room."""

    def __init__(
        self, settings: Settings, factory: ServiceFactory, intake_port: Callable[[], int | None]
    ) -> None:
        self._settings = settings
        self._factory = factory
        self._intake_port = intake_port
        self._tasks: set[asyncio.Task[None]] = set()

    def launch(self, name: str, speed: float, room_id: str, lang: Language) -> Scenario:
        """Find ``name`` and start playing it (the dispatcher allows it in the coordination
        room only)."""
        settings = self._settings
        players = configured_players(settings)
        if not players:
            raise NoExercisePlayers()
        scenario = self.find(name)
        target = target_for(settings, self._factory.db, self._intake_port())
        try:
            runner = ExerciseRunner(scenario, target, players, speed)
        except ExerciseError as exc:
            raise UnknownScenario(reason=str(exc)) from None
        # Started by a command, inside its transaction; the exercise is work of its own.
        task = asyncio.create_task(
            self._play(runner, scenario, lang), name="exercise", context=detached_context()
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return scenario

    def find(self, name: str) -> Scenario:
        """The valid scenario ``name`` of the scenarios directory; UnknownScenario naming
        the available ones (or the scenario's problems) otherwise."""
        settings = self._settings
        try:
            return find_scenario(
                name, settings.exercise.scenarios_dir, load_playbook_dir(settings.playbooks_dir)
            )
        except (LookupError, FileError) as exc:
            raise UnknownScenario(reason=str(exc)) from None

    def covering(self) -> dict[str, list[str]]:
        """Fallback id: the ids of the valid scenarios of the scenarios directory covering it."""
        settings = self._settings
        try:
            playbooks = load_playbook_dir(settings.playbooks_dir)
        except FileError:
            return {}  # invalid playbooks: no scenario can be played, so none covers anything
        return covering(settings.exercise.scenarios_dir, playbooks)

    async def stop(self) -> None:
        """Cancel running exercises (the bot is stopping)."""
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _play(self, runner: ExerciseRunner, scenario: Scenario, lang: Language) -> None:
        title = scenario.title.get(lang)
        situation_id: int | None = None
        try:
            result = await runner.run()
            situation_id = result.situation_id
            message = i18n.text(
                "exercise.finished",
                lang,
                scenario=title,
                summary=summary_text(result.assessments, lang),
            )
        except ExerciseError as exc:
            message = i18n.text("exercise.failed", lang, scenario=title, reason=str(exc))
        except Exception as exc:
            # A background task: without this nobody would learn that the exercise died.
            log.exception("exercise %s failed", scenario.id)
            message = i18n.text("exercise.failed", lang, scenario=title, reason=type(exc).__name__)
        async with self._factory.transaction() as services:
            await services.outbox.post(
                self._settings.matrix.coordination_room, text_content(message), exercise=True
            )
            if situation_id is not None:
                situation = await services.situations.get(situation_id)
                await ask_for_results(services.outbox, situation, scenario.covers, lang)
