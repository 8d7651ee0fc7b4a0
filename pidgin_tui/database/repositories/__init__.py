"""Typed read access to the analysis tables, one repository per concept."""

from __future__ import annotations

from pidgin_tui.database.repositories.base import BaseRepository
from pidgin_tui.database.repositories.conversations import ConversationRepository
from pidgin_tui.database.repositories.experiments import ExperimentRepository
from pidgin_tui.database.repositories.messages import MessageRepository
from pidgin_tui.database.repositories.metrics import MetricsRepository

__all__ = ["BaseRepository", "ConversationRepository", "ExperimentRepository",
           "MessageRepository", "MetricsRepository"]
