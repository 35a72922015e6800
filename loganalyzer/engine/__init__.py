"""engine: the only place rules meet runs; loads the rule pack, selects rules, runs detectors."""
