"""The small core every feature stands on: database, clock, errors, local time, audit."""
