"""Sessions: ids, turn and metadata models, and the in-memory, Redis and SQLite stores."""
