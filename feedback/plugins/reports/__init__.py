"""The reports plugin: the satisfaction index, monthly snapshots, public results, the unit scorecard."""
