"""Satisfaction surveys: build, distribute, answer; the figures are computed by the reports plugin."""
