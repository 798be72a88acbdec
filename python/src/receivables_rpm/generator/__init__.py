"""Realistic raw ERP extracts of accounts receivable (see GENERATOR.md)."""
