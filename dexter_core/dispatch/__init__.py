"""The turn pipeline: dispatchers (in-process and Redis Streams) that admit requests, run
each session's turns in order through the turn runner, and show events on the sinks."""
