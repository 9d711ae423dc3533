"""Blind judging of fills (bench/engines/judge/README.md)."""
