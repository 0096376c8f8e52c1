"""Weerbaar: a Matrix chat-ops bot for an ICT-continuity taskforce."""
