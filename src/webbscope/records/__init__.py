"""Pure helpers about library records, below the database layer (`db/` uses them; `library/`
builds ingest and the read model above `db/`): derived fields and sky geometry. No web,
database or storage imports."""
