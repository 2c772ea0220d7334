"""Tests of the serving copy, PostgreSQL publication and refresh_all."""
