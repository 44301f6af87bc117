"""The public API: auth, users, library, jobs, realtime hub, gateway to engine and mast."""
