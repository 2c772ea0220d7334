"""Tests of the scorecard dashboard, in HTML and in a real browser."""
