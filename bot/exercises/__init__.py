"""Exercises (oefeningen): scripted scenarios played through the real bot."""
