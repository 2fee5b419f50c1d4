"""The Faust app of streamproc: agents, topics, tables, views and adapters."""
