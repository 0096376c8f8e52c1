"""Scheduling: durable timers in the database, fired by an APScheduler job."""
