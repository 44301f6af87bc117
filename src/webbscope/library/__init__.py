"""Web-free library logic: record queries, access rules and sky geometry."""
