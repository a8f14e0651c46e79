"""The read side: projections that follow the event log into SQL views, and queries over them."""
