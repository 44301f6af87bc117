"""Local dependency processes (database, S3, archive stand-in) for tests and `webbscope up`."""
