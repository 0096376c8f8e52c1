"""Reports: the record of a situation, gathered and rendered for people outside Matrix."""
