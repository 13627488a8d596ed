"""The planner's workbench (``planner``)."""
