"""Reports generated from the marts: the self-contained scorecard dashboard (`qcity report`)."""
