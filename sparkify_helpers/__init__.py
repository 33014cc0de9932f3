"""Sparkify warehouse workbook helpers."""
