"""Insights services: stored forecasts, near-repeat alerts, patrol plans."""
